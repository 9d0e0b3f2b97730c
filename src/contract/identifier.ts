/**
 * Identifiers of the consent event contract. Each identifier is validated on its own, so an
 * unusable one is skipped with a reason code while the rest of the event is still processed.
 *
 * These checks depend only on the event. Checks that depend on configuration (the document type,
 * the datamart's email hash algorithm, the allowed user agent prefixes) happen in src/mapping/.
 */

import { z } from 'zod';
import {
  DIGITS_PATTERN,
  EMAIL_SHAPE_PATTERN,
  HEX_PATTERN,
  UUID_PATTERN,
  hasAtMostCodePoints,
} from './formats.ts';
import { describeIssue, fixedError } from './issues.ts';
import type { ReasonCode } from './reasons.ts';

/** Maximum length of an email address, in characters (code points). */
export const MAX_EMAIL_LENGTH = 254;
/** Maximum length of a user_account_id, in characters (code points). */
export const MAX_USER_ACCOUNT_ID_LENGTH = 256;
/** Maximum length of a user_agent_id, in characters (code points). */
export const MAX_USER_AGENT_ID_LENGTH = 256;

export const HASH_ALGORITHMS = ['sha256', 'sha1', 'md5'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Length in hexadecimal digits of a digest made by each algorithm. */
export const HEX_DIGEST_LENGTH: Readonly<Record<HashAlgorithm, number>> = {
  sha256: 64,
  sha1: 40,
  md5: 32,
};

const userPointIdentifierSchema = z.object({
  type: z.literal('user_point'),
  user_point_id: z
    .string(fixedError('invalid_user_point_id', 'must be a string'))
    .regex(UUID_PATTERN, fixedError('invalid_user_point_id', 'must be a UUID')),
});

const userAccountIdentifierSchema = z.object({
  type: z.literal('user_account'),
  user_account_id: z
    .string(fixedError('invalid_user_account_id', 'must be a string'))
    .min(1, fixedError('invalid_user_account_id', 'must not be empty'))
    .refine(
      (id) => hasAtMostCodePoints(id, MAX_USER_ACCOUNT_ID_LENGTH),
      fixedError(
        'identifier_too_long',
        `must be at most ${MAX_USER_ACCOUNT_ID_LENGTH} characters long`,
      ),
    ),
  compartment_id: z
    .string(fixedError('invalid_compartment_id', 'must be a string of digits'))
    .regex(DIGITS_PATTERN, fixedError('invalid_compartment_id', 'must be a string of digits'))
    .optional(),
});

const emailIdentifierSchema = z.object({
  type: z.literal('email'),
  email: z
    .string(fixedError('invalid_email', 'must be a string'))
    .refine(
      (email) => hasAtMostCodePoints(email, MAX_EMAIL_LENGTH),
      fixedError('identifier_too_long', `must be at most ${MAX_EMAIL_LENGTH} characters long`),
    )
    .regex(
      EMAIL_SHAPE_PATTERN,
      fixedError('invalid_email', 'must contain exactly one @ with text on both sides'),
    ),
});

const emailHashIdentifierSchema = z
  .object({
    type: z.literal('email_hash'),
    hash: z
      .string(fixedError('invalid_email_hash', 'must be a string'))
      .regex(HEX_PATTERN, fixedError('invalid_email_hash', 'must be a hexadecimal string')),
    algorithm: z
      .enum(HASH_ALGORITHMS, fixedError('unsupported_hash_algorithm', 'must be sha256, sha1 or md5'))
      .default('sha256'),
  })
  .refine(
    (identifier) => identifier.hash.length === HEX_DIGEST_LENGTH[identifier.algorithm],
    {
      ...fixedError(
        'email_hash_length_mismatch',
        'must have 64 hexadecimal digits for sha256, 40 for sha1 or 32 for md5',
      ),
      path: ['hash'],
    },
  );

const userAgentIdentifierSchema = z.object({
  type: z.literal('user_agent'),
  user_agent_id: z
    .string(fixedError('invalid_user_agent_id', 'must be a string'))
    .min(1, fixedError('invalid_user_agent_id', 'must not be empty'))
    .refine(
      (id) => hasAtMostCodePoints(id, MAX_USER_AGENT_ID_LENGTH),
      fixedError(
        'identifier_too_long',
        `must be at most ${MAX_USER_AGENT_ID_LENGTH} characters long`,
      ),
    ),
});

export type UserPointIdentifier = z.output<typeof userPointIdentifierSchema>;
export type UserAccountIdentifier = z.output<typeof userAccountIdentifierSchema>;
export type EmailIdentifier = z.output<typeof emailIdentifierSchema>;
export type EmailHashIdentifier = z.output<typeof emailHashIdentifierSchema>;
export type UserAgentIdentifier = z.output<typeof userAgentIdentifierSchema>;

export type Identifier =
  | UserPointIdentifier
  | UserAccountIdentifier
  | EmailIdentifier
  | EmailHashIdentifier
  | UserAgentIdentifier;

export type IdentifierType = Identifier['type'];

/**
 * Label for the type of a skipped identifier: its type when known, else 'unknown'. An unknown
 * type string from the input is never used, because these labels become metric labels and an
 * arbitrary string would let a producer create unbounded label values.
 */
export type IdentifierTypeLabel = IdentifierType | 'unknown';

/** Schema of each identifier type, uncompiled. */
export const identifierSchemas = {
  user_point: userPointIdentifierSchema,
  user_account: userAccountIdentifierSchema,
  email: emailIdentifierSchema,
  email_hash: emailHashIdentifierSchema,
  user_agent: userAgentIdentifierSchema,
} as const;

// Compiled once at module load, because every identifier of every record is parsed. A Map
// rather than an object literal, so that a type such as "constructor" or "__proto__" cannot
// resolve to an inherited property.
const COMPILED_IDENTIFIER_SCHEMAS: ReadonlyMap<string, z.ZodType<Identifier>> = new Map<
  string,
  z.ZodType<Identifier>
>(Object.entries(identifierSchemas).map(([type, schema]) => [type, z.compile(schema)]));

export type IdentifierParseResult =
  | { readonly ok: true; readonly identifier: Identifier }
  | {
      readonly ok: false;
      readonly identifierType: IdentifierTypeLabel;
      readonly reason: ReasonCode;
      /** Names the field path (for example identifiers[2].email) and never the value. */
      readonly message: string;
    };

/**
 * Validates one item of the identifiers array. `path` names the item in messages, for example
 * "identifiers[2]". Unknown fields are dropped from the result.
 */
export function parseIdentifier(raw: unknown, path: string): IdentifierParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      identifierType: 'unknown',
      reason: 'invalid_identifier',
      message: `${path} must be an object`,
    };
  }

  const type = Object.hasOwn(raw, 'type') ? (raw as { type: unknown }).type : undefined;
  if (typeof type !== 'string') {
    return {
      ok: false,
      identifierType: 'unknown',
      reason: 'invalid_identifier',
      message: `${path}.type must be a string`,
    };
  }

  const schema = COMPILED_IDENTIFIER_SCHEMAS.get(type);
  if (schema === undefined) {
    return {
      ok: false,
      identifierType: 'unknown',
      reason: 'unknown_identifier_type',
      message: `${path}.type is not a known identifier type`,
    };
  }

  const result = schema.safeParse(raw);
  if (result.success) {
    return { ok: true, identifier: result.data };
  }

  const issue = result.error.issues[0];
  const description =
    issue === undefined
      ? { reason: 'invalid_identifier' as const, message: `${path} is invalid` }
      : describeIssue(issue, path);
  return {
    ok: false,
    identifierType: type as IdentifierType,
    reason: description.reason,
    message: description.message,
  };
}

export function isIdentifierType(type: string): type is IdentifierType {
  return COMPILED_IDENTIFIER_SCHEMAS.has(type);
}
