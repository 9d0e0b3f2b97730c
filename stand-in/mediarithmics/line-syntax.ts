import { z } from 'zod';

import type { DocumentType, MimeType } from './document-types.ts';

/** One rejected line of an execution body, numbered from 1 like a text editor. */
export interface LineError {
  line: number;
  message: string;
}

/** One non-empty line of an execution body. `value` is the parsed JSON object, or the raw text for CSV. */
export interface BodyLine {
  line: number;
  text: string;
  value: unknown;
}

export interface ParsedBody {
  lines: BodyLine[];
  errors: LineError[];
}

type DeletionLineType = 'USER_POINT' | 'USER_ACCOUNT' | 'USER_EMAIL' | 'USER_AGENT';

/** Line types that each deletion document type accepts, as listed on its documentation page. */
const DELETION_LINE_TYPES: Partial<Record<DocumentType, readonly DeletionLineType[]>> = {
  USER_IDENTIFIERS_DELETION: ['USER_ACCOUNT', 'USER_EMAIL', 'USER_AGENT'],
  USER_POINTS_DELETION: ['USER_POINT', 'USER_ACCOUNT', 'USER_EMAIL', 'USER_AGENT'],
  USER_DEVICE_POINTS_DELETION: ['USER_AGENT'],
  USER_DEVICE_POINT_DELETION: ['USER_AGENT'],
};

/** Device point ids, which identifier deletion rejects because it removes single identifiers only. */
const DEVICE_POINT_ID_PREFIX = 'udp:';

/** Builds a zod error callback whose message distinguishes a missing field from a wrongly typed one. */
function fieldError(expected: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is missing' : `must be ${expected}`;
}

function nonEmptyString() {
  const message = fieldError('a non-empty string');
  return z.string({ error: message }).min(1, { error: message });
}

// The documentation types compartment_id as a Number in its field table but sends the
// string "1000" in its example, so both forms are accepted.
const compartmentIdError = fieldError('a non-empty string or a non-negative integer');
const compartmentId = z.union(
  [
    z.string({ error: compartmentIdError }).min(1, { error: compartmentIdError }),
    z.int({ error: compartmentIdError }).nonnegative({ error: compartmentIdError }),
  ],
  { error: compartmentIdError },
);

const DELETION_LINE_SCHEMAS: Record<DeletionLineType, z.ZodType> = {
  USER_POINT: z.strictObject({
    type: z.literal('USER_POINT'),
    user_point_id: z.guid({ error: fieldError('a UUID') }),
  }),
  USER_ACCOUNT: z.strictObject({
    type: z.literal('USER_ACCOUNT'),
    user_account_id: nonEmptyString(),
    compartment_id: compartmentId.optional(),
  }),
  USER_EMAIL: z.strictObject({
    type: z.literal('USER_EMAIL'),
    hash: nonEmptyString(),
  }),
  USER_AGENT: z.strictObject({
    type: z.literal('USER_AGENT'),
    user_agent_id: nonEmptyString(),
  }),
};

const idValue = z.union([nonEmptyString(), z.number()], {
  error: fieldError('a non-empty string or a number'),
});

const userChoiceLine = z.strictObject({
  operation: z.enum(['UPSERT', 'DELETE'], { error: fieldError('"UPSERT" or "DELETE"') }),
  compartment_id: compartmentId.optional(),
  user_account_id: nonEmptyString().optional(),
  email_hash: nonEmptyString().optional(),
  user_agent_id: nonEmptyString().optional(),
  force_replace: z.boolean({ error: fieldError('a boolean') }).optional(),
  // Custom fields are allowed next to the $-prefixed ones, hence the loose object.
  user_choice: z
    .looseObject(
      {
        $processing_id: idValue,
        $choice_ts: idValue.optional(),
      },
      { error: fieldError('an object') },
    )
    .optional(),
});

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((key) => `"${key}"`).join(', ');
      return issue.keys.length === 1 ? `unknown field ${names}` : `unknown fields ${names}`;
    }
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `field "${path}" ${issue.message}`;
  });
}

function validateDeletionLine(
  value: Record<string, unknown>,
  documentType: DocumentType,
  allowed: readonly DeletionLineType[],
): string[] {
  const type = value['type'];
  if (type === undefined) {
    return ['field "type" is missing'];
  }
  if (!allowed.includes(type as DeletionLineType)) {
    return [
      `type ${JSON.stringify(type)} is not allowed in ${documentType} imports, which accept ${allowed.join(', ')}`,
    ];
  }

  const lineType = type as DeletionLineType;
  const result = DELETION_LINE_SCHEMAS[lineType].safeParse(value);
  if (!result.success) {
    return formatIssues(result.error.issues);
  }

  const userAgentId = value['user_agent_id'];
  if (
    documentType === 'USER_IDENTIFIERS_DELETION' &&
    typeof userAgentId === 'string' &&
    userAgentId.startsWith(DEVICE_POINT_ID_PREFIX)
  ) {
    return [
      `user_agent_id "${userAgentId}" is a device point id, which ${documentType} does not accept. Use USER_DEVICE_POINTS_DELETION or USER_POINTS_DELETION instead`,
    ];
  }
  return [];
}

// The documentation does not say whether user_choice may be left out of a DELETE line.
// The stand-in requires it because $processing_id, which lives inside it, is always mandatory.
function validateUserChoiceLine(value: Record<string, unknown>): string[] {
  const result = userChoiceLine.safeParse(value);
  if (!result.success) {
    return formatIssues(result.error.issues);
  }

  const line = result.data;
  const messages: string[] = [];
  const identifiers = [line.user_account_id, line.email_hash, line.user_agent_id].filter(
    (identifier) => identifier !== undefined,
  );
  if (identifiers.length !== 1) {
    messages.push('exactly one of user_account_id, email_hash or user_agent_id is required');
  }
  if (line.compartment_id !== undefined && line.user_account_id === undefined) {
    messages.push('field "compartment_id" is only allowed with user_account_id');
  }
  if (line.user_choice === undefined) {
    messages.push('field "user_choice" is missing');
  }
  if (line.operation === 'UPSERT') {
    if (line.force_replace === undefined) {
      messages.push('field "force_replace" is missing, which UPSERT requires');
    }
    if (line.user_choice !== undefined && line.user_choice.$choice_ts === undefined) {
      messages.push('field "user_choice.$choice_ts" is missing, which UPSERT requires');
    }
  }
  return messages;
}

/** Returns the messages for one parsed ndjson line, or an empty array when the line is valid. */
export function validateLine(value: unknown, documentType: DocumentType): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['line is not a JSON object'];
  }
  const record = value as Record<string, unknown>;

  const deletionLineTypes = DELETION_LINE_TYPES[documentType];
  if (deletionLineTypes !== undefined) {
    return validateDeletionLine(record, documentType, deletionLineTypes);
  }
  if (documentType === 'USER_CHOICE') {
    return validateUserChoiceLine(record);
  }
  // Activity, profile, segment and association lines are only checked to be JSON objects,
  // because the stand-in does not model their syntax.
  return [];
}

/**
 * Splits an execution body into lines and validates each non-empty one. Lines are
 * separated by LF, and a trailing CR is dropped so that CRLF files number their lines
 * the same way. Each ndjson line must be one whole JSON object, so an object spread
 * over several lines is rejected.
 */
export function parseExecutionBody(text: string, documentType: DocumentType, mimeType: MimeType): ParsedBody {
  const lines: BodyLine[] = [];
  const errors: LineError[] = [];

  const rawLines = text.split('\n');
  for (const [index, rawLine] of rawLines.entries()) {
    const lineText = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineText.trim() === '') {
      continue;
    }
    const line = index + 1;

    if (mimeType === 'TEXT_CSV') {
      // CSV rows are recorded as text and not validated.
      lines.push({ line, text: lineText, value: lineText });
      continue;
    }

    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch {
      errors.push({ line, message: 'line is not valid JSON' });
      continue;
    }

    const messages = validateLine(value, documentType);
    if (messages.length > 0) {
      errors.push({ line, message: messages.join(', ') });
      continue;
    }
    lines.push({ line, text: lineText, value });
  }

  return { lines, errors };
}
