/**
 * Turns zod issues into a reason code and a message that names the field path.
 *
 * Each schema in this folder sets its zod error message to `<reason_code>|<expectation>`, so the
 * reason travels with the issue and nothing parses zod's own English messages. The input value is
 * never part of the message, because identifier values are personal data.
 */

import type { z } from 'zod';
import { isReasonCode, type ReasonCode } from './reasons.ts';

const SEPARATOR = '|';

/** Fields of a raw zod issue that the error functions below read. */
interface RawIssue {
  readonly input: unknown;
  readonly code?: string | undefined;
}

export interface IssueDescription {
  readonly reason: ReasonCode;
  readonly message: string;
}

/**
 * Returns a zod error option that reports `reason` with the expectation text, or missing_field
 * when the field is absent from its object.
 */
export function fieldError(
  reason: ReasonCode,
  expectation: string,
): { error: (issue: RawIssue) => string } {
  return {
    error: (issue) =>
      issue.input === undefined
        ? encode('missing_field', 'is missing')
        : encode(reason, expectation),
  };
}

/** Returns a zod error option that always reports `reason`, even when the field is absent. */
export function fixedError(reason: ReasonCode, expectation: string): { error: string } {
  return { error: encode(reason, expectation) };
}

export function encode(reason: ReasonCode, expectation: string): string {
  return `${reason}${SEPARATOR}${expectation}`;
}

/**
 * Describes a zod issue as a reason code and a message such as
 * "identifiers[2].email must contain exactly one @". Issues that no schema here encoded
 * (which would be a bug) become invalid_field with zod's message.
 */
export function describeIssue(issue: z.core.$ZodIssue, pathPrefix: string): IssueDescription {
  const path = formatPath(pathPrefix, issue.path);
  const separatorIndex = issue.message.indexOf(SEPARATOR);
  const reason = separatorIndex === -1 ? '' : issue.message.slice(0, separatorIndex);

  if (!isReasonCode(reason)) {
    return { reason: 'invalid_field', message: `${path}: ${issue.message}` };
  }
  return { reason, message: `${path} ${issue.message.slice(separatorIndex + 1)}` };
}

/** Formats a path as in JavaScript: `scope.withdrawn[0].id`. An empty path names the prefix. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (text === '') {
      text = String(segment);
    } else {
      text += `.${String(segment)}`;
    }
  }
  return text === '' ? 'event' : text;
}
