/**
 * Helpers that turn values decoded from Avro or Protobuf into the values JSON.parse would give
 * for the same event, so that the consent event contract validates both alike.
 */

/**
 * Converts a 64-bit integer to a number when it is exactly representable, else to its decimal
 * string. A string keeps every digit, so no value is silently rounded; no field of the consent
 * event contract can hold an integer beyond 2^53 anyway.
 */
export function toJsonInteger(value: bigint): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
}

/** Encodes bytes as standard base64, as the proto3 JSON mapping does. */
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Sets an own enumerable property. Assignment would change the prototype for a key named
 * "__proto__", which is a valid Avro field name, so the property is defined instead.
 */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
