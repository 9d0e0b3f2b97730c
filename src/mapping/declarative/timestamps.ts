/**
 * Converts epoch timestamps from source events to the RFC 3339 form that the contract
 * requires for occurred_at.
 */

import type { TimestampFormat } from './mapping.ts';

// Date.toISOString writes a four-digit year only in this range. Outside it the year gets a
// sign and six digits, which RFC 3339 does not allow.
const MIN_EPOCH_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_EPOCH_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A decimal number as text, as some producers send epoch values: "1762074000000". */
const DECIMAL_PATTERN = /^-?[0-9]+(\.[0-9]+)?$/;

export type TimestampConversion =
  | { readonly ok: true; readonly timestamp: string }
  /** `problem` completes "occurred_at source /ts ..." and never contains the value. */
  | { readonly ok: false; readonly problem: string };

const UNITS: Readonly<Record<Exclude<TimestampFormat, 'rfc3339'>, { factor: number; name: string }>> = {
  epoch_milliseconds: { factor: 1, name: 'milliseconds' },
  epoch_seconds: { factor: 1000, name: 'seconds' },
};

/**
 * Converts a number of seconds or milliseconds since 1970-01-01T00:00:00Z, given as a JSON
 * number or as decimal text, to an RFC 3339 timestamp in UTC with milliseconds, such as
 * "2025-11-02T09:00:00.000Z". Fractions of a millisecond are rounded to the nearest one.
 */
export function convertEpochTimestamp(
  value: unknown,
  format: Exclude<TimestampFormat, 'rfc3339'>,
): TimestampConversion {
  const unit = UNITS[format];
  let amount: number;
  if (typeof value === 'number') {
    amount = value;
  } else if (typeof value === 'string' && DECIMAL_PATTERN.test(value)) {
    amount = Number(value);
  } else {
    return { ok: false, problem: `must be a number of ${unit.name} since the Unix epoch` };
  }

  const epochMs = Math.round(amount * unit.factor);
  if (!Number.isFinite(epochMs) || epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) {
    return { ok: false, problem: `is a number of ${unit.name} outside the years 0000 to 9999` };
  }
  return { ok: true, timestamp: new Date(epochMs).toISOString() };
}
