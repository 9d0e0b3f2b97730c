/**
 * String formats of the consent event contract. schemas/consent-event-v1.schema.json repeats
 * the same patterns, and a test checks that both accept the same fixtures.
 */

/**
 * RFC 3339 date-time with a mandatory offset (Z or ±hh:mm). RFC 3339 allows a lower-case t and z
 * and a leap second (:60). Day-of-month validity is checked by isCalendarDate.
 */
export const TIMESTAMP_PATTERN =
  /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$/;

export const DIGITS_PATTERN = /^[0-9]+$/;

/** Any UUID in the 8-4-4-4-12 hexadecimal form, whatever its version and variant. */
export const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const HEX_PATTERN = /^[0-9a-fA-F]+$/;

/** Exactly one @ with at least one character on each side. */
export const EMAIL_SHAPE_PATTERN = /^[^@]+@[^@]+$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Checks that the date part of a timestamp that already matches TIMESTAMP_PATTERN exists in
 * the Gregorian calendar (no 31 April, 29 February only in leap years).
 */
export function isCalendarDate(timestamp: string): boolean {
  const year = Number(timestamp.slice(0, 4));
  const month = Number(timestamp.slice(5, 7));
  const day = Number(timestamp.slice(8, 10));
  if (month === 2 && day === 29) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  }
  return day <= (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Counts Unicode code points, the unit of JSON Schema's minLength and maxLength. A string's
 * `length` counts UTF-16 code units, so a character outside the Basic Multilingual Plane
 * counts twice there.
 */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Count a pair once: drop its low surrogate when a high surrogate precedes it.
    if (code >= 0xdc00 && code <= 0xdfff && i > 0) {
      const previous = text.charCodeAt(i - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) {
        count--;
      }
    }
  }
  return count;
}

/** Checks that a string has at most `max` code points, with a fast path for short strings. */
export function hasAtMostCodePoints(text: string, max: number): boolean {
  // A string never has more code points than UTF-16 code units.
  return text.length <= max || codePointLength(text) <= max;
}

/**
 * Converts a timestamp that matches TIMESTAMP_PATTERN to milliseconds since the Unix epoch.
 * Date.parse returns NaN for a leap second, so 23:59:60 becomes the first millisecond of the
 * next minute.
 */
export function timestampToEpochMs(timestamp: string): number {
  // The seconds field is always at characters 17 and 18: YYYY-MM-DDThh:mm:ss.
  if (timestamp.charCodeAt(17) === 0x36 && timestamp.charCodeAt(18) === 0x30) {
    return Date.parse(`${timestamp.slice(0, 17)}59${timestamp.slice(19)}`) + 1000;
  }
  return Date.parse(timestamp);
}
