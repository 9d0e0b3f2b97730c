/**
 * Decodes a Kafka record value that carries one consent event as plain JSON in UTF-8.
 */

import type { ReasonSubset } from '../contract/reasons.ts';
import { findStructureProblem } from './json-structure.ts';

/** Default maximum size of a record value: 64 KiB. */
export const DEFAULT_MAX_RECORD_BYTES = 65_536;

/**
 * Maximum nesting depth of objects and arrays, counting the root object as 1. A version 1
 * event needs 3 levels (root, identifiers, one identifier). The rest leaves room for unknown
 * fields, which the contract requires the connector to ignore, while bounding the work done on
 * a hostile record.
 */
export const MAX_NESTING_DEPTH = 32;

export interface DecodeOptions {
  /** Largest accepted record value, in bytes. */
  readonly maxRecordBytes: number;
}

export type DecodeReason = ReasonSubset<
  | 'record_too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'duplicate_key'
  | 'nesting_too_deep'
>;

export interface DecodeRejection {
  readonly kind: 'rejected';
  readonly stage: 'decode';
  readonly reason: DecodeReason;
  /** Description of the failure, without any part of the record value. */
  readonly message: string;
}

export type DecodeResult =
  | { readonly kind: 'tombstone' }
  | { readonly kind: 'value'; readonly value: Record<string, unknown> }
  | DecodeRejection;

const TOMBSTONE: DecodeResult = Object.freeze({ kind: 'tombstone' });

// `fatal` turns malformed UTF-8 into an error instead of U+FFFD. With the default ignoreBOM
// (false), decode() removes one leading byte order mark: the BOM is tolerated and stripped,
// because it carries no data and some Windows tools write it. A second BOM stays in the text
// and makes JSON.parse fail. decode() keeps no state between calls, so one instance is shared.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// V8 reports where parsing stopped as "at position N". The rest of its message can quote the
// input, which may contain personal data, so only the position is kept.
const JSON_ERROR_POSITION = /at position (\d+)/;

/**
 * Decodes a record value into a JSON object, or returns a tombstone for a null value, or a
 * rejection with a stable reason. Never throws for any input bytes.
 *
 * The returned object comes straight from JSON.parse: a "__proto__" key is an own property and
 * does not change the prototype, but callers must not copy its keys into other objects
 * (Object.assign, spread) unless they filter them.
 */
export function decodeJsonValue(
  value: Uint8Array | null,
  options: DecodeOptions = { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES },
): DecodeResult {
  if (value === null) {
    return TOMBSTONE;
  }

  if (value.byteLength > options.maxRecordBytes) {
    return reject(
      'record_too_large',
      `record value is ${value.byteLength} bytes, above the maximum of ${options.maxRecordBytes} bytes`,
    );
  }

  let text: string;
  try {
    text = utf8Decoder.decode(value);
  } catch {
    return reject('invalid_utf8', 'record value is not valid UTF-8');
  }

  if (text.length === 0) {
    return reject('invalid_json', 'record value is empty');
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return reject('invalid_json', describeJsonError(error));
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject('not_an_object', `JSON value is ${describeJsonType(parsed)}, expected an object`);
  }

  const problem = findStructureProblem(text, MAX_NESTING_DEPTH);
  if (problem !== undefined) {
    return reject(problem.reason, problem.message);
  }

  return { kind: 'value', value: parsed as Record<string, unknown> };
}

function reject(reason: DecodeReason, message: string): DecodeRejection {
  return { kind: 'rejected', stage: 'decode', reason, message };
}

function describeJsonError(error: unknown): string {
  const match = error instanceof Error ? JSON_ERROR_POSITION.exec(error.message) : null;
  if (match === null) {
    return 'record value is not valid JSON';
  }
  return `record value is not valid JSON (syntax error at character ${match[1]})`;
}

function describeJsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return `a ${typeof value}`;
}
