/**
 * The consent event contract, version 1, as a zod schema.
 *
 * The envelope is validated strictly and rejects the whole event. Items of `identifiers` are only
 * counted here, and parseIdentifier (identifier.ts) validates them one by one during mapping, so
 * that one bad identifier does not cost the others. Unknown fields are ignored at every level:
 * zod objects strip them from the output.
 */

import { z } from 'zod';
import { DIGITS_PATTERN, TIMESTAMP_PATTERN, hasAtMostCodePoints, isCalendarDate } from './formats.ts';
import { describeIssue, encode, fieldError } from './issues.ts';
import type { ReasonSubset } from './reasons.ts';

export const SCHEMA_VERSION = 1;
export const MAX_EVENT_ID_LENGTH = 128;
export const MIN_IDENTIFIERS = 1;
export const MAX_IDENTIFIERS = 100;

export const EVENT_TYPES = [
  'erasure.requested',
  'consent.withdrawn',
  'consent.updated',
  'consent.granted',
] as const;

const TIMESTAMP_EXPECTATION = 'must be an RFC 3339 date-time with an offset (Z or ±hh:mm)';

const purposeSchema = z.object(
  {
    namespace: z.string(fieldError('invalid_field', 'must be a string')),
    id: z.string(fieldError('invalid_field', 'must be a string')),
  },
  fieldError('invalid_field', 'must be an object'),
);

/** The envelope schema, uncompiled. validateConsentEvent uses a compiled copy. */
export const consentEventSchema = z.object(
  {
    schema_version: z
      .literal(SCHEMA_VERSION, {
        error: (issue) =>
          typeof issue.input === 'number'
            ? encode('unsupported_schema_version', `must be ${SCHEMA_VERSION}`)
            : encode('invalid_field', `must be the number ${SCHEMA_VERSION}`),
      })
      .optional(),
    event_id: z
      .string(fieldError('invalid_field', 'must be a string'))
      .min(1, fieldError('invalid_field', 'must not be empty'))
      .refine(
        (id) => hasAtMostCodePoints(id, MAX_EVENT_ID_LENGTH),
        fieldError('invalid_field', `must be at most ${MAX_EVENT_ID_LENGTH} characters long`),
      ),
    event_type: z.enum(EVENT_TYPES, {
      error: (issue) => {
        if (issue.input === undefined) {
          return encode('missing_field', 'is missing');
        }
        if (typeof issue.input === 'string') {
          return encode('unknown_event_type', `must be one of ${EVENT_TYPES.join(', ')}`);
        }
        return encode('invalid_field', 'must be a string');
      },
    }),
    occurred_at: z
      .string(fieldError('invalid_timestamp', TIMESTAMP_EXPECTATION))
      .regex(TIMESTAMP_PATTERN, fieldError('invalid_timestamp', TIMESTAMP_EXPECTATION))
      .refine(isCalendarDate, fieldError('invalid_timestamp', 'must be a date that exists')),
    datamart_id: z
      .string(fieldError('invalid_field', 'must be a string of digits'))
      .regex(DIGITS_PATTERN, fieldError('invalid_field', 'must be a string of digits'))
      .optional(),
    scope: z
      .object(
        {
          all: z.boolean(fieldError('invalid_field', 'must be a boolean')).default(true),
          withdrawn: z
            .array(purposeSchema, fieldError('invalid_field', 'must be an array'))
            .optional(),
        },
        fieldError('invalid_field', 'must be an object'),
      )
      .optional(),
    jurisdiction: z
      .object(
        {
          regulation: z.string(fieldError('invalid_field', 'must be a string')).optional(),
        },
        fieldError('invalid_field', 'must be an object'),
      )
      .optional(),
    identifiers: z
      .array(z.unknown(), fieldError('invalid_field', 'must be an array'))
      .min(MIN_IDENTIFIERS, fieldError('invalid_field', `must contain at least ${MIN_IDENTIFIERS} item`))
      .max(
        MAX_IDENTIFIERS,
        fieldError('too_many_identifiers', `must contain at most ${MAX_IDENTIFIERS} items`),
      ),
  },
  fieldError('invalid_field', 'must be a JSON object'),
);

/** Compiled once at module load, because validation runs for every record. */
const compiledConsentEventSchema = z.compile(consentEventSchema);

/** A consent event whose envelope is valid. Identifiers are still unchecked. */
export type ConsentEvent = z.output<typeof consentEventSchema>;
/** A consent event as a producer writes it, before defaults are applied. */
export type ConsentEventInput = z.input<typeof consentEventSchema>;
export type EventType = ConsentEvent['event_type'];
export type Purpose = z.output<typeof purposeSchema>;

export type ValidationReason = ReasonSubset<
  | 'unsupported_schema_version'
  | 'missing_field'
  | 'invalid_field'
  | 'invalid_timestamp'
  | 'unknown_event_type'
  | 'too_many_identifiers'
>;

export interface ValidationRejection {
  readonly kind: 'rejected';
  readonly stage: 'validate';
  readonly reason: ValidationReason;
  /** Names the field path and never the value. */
  readonly message: string;
  /** The event's event_id when that field alone is valid, to correlate the dead letter. */
  readonly eventId?: string;
}

export type ValidationResult =
  | { readonly kind: 'valid'; readonly event: ConsentEvent }
  | ValidationRejection;

const VALIDATION_REASONS: ReadonlySet<string> = new Set<ValidationReason>([
  'unsupported_schema_version',
  'missing_field',
  'invalid_field',
  'invalid_timestamp',
  'unknown_event_type',
  'too_many_identifiers',
]);

/**
 * Validates the envelope of a decoded consent event. When several fields are wrong, the
 * rejection reports a schema_version problem first, because an event of another version is
 * expected to differ everywhere, and otherwise the first field in contract order.
 */
export function validateConsentEvent(value: unknown): ValidationResult {
  const result = compiledConsentEventSchema.safeParse(value);
  if (result.success) {
    return { kind: 'valid', event: result.data };
  }

  const issues = result.error.issues;
  const issue = issues.find((candidate) => candidate.path[0] === 'schema_version') ?? issues[0];
  const description =
    issue === undefined
      ? { reason: 'invalid_field', message: 'event is invalid' }
      : describeIssue(issue, '');
  const reason = VALIDATION_REASONS.has(description.reason)
    ? (description.reason as ValidationReason)
    : 'invalid_field';
  const extraIssues = issues.length - 1;
  const message =
    extraIssues > 0
      ? `${description.message} (and ${extraIssues} more ${extraIssues === 1 ? 'problem' : 'problems'})`
      : description.message;

  const eventId = readEventId(value);
  return eventId === undefined
    ? { kind: 'rejected', stage: 'validate', reason, message }
    : { kind: 'rejected', stage: 'validate', reason, message, eventId };
}

/** Returns event_id from a rejected event when it is a valid event_id on its own. */
function readEventId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'event_id')) {
    return undefined;
  }
  const eventId = (value as { event_id: unknown }).event_id;
  if (
    typeof eventId !== 'string' ||
    eventId.length === 0 ||
    !hasAtMostCodePoints(eventId, MAX_EVENT_ID_LENGTH)
  ) {
    return undefined;
  }
  return eventId;
}
