/**
 * A bounds-checked walk over Avro binary data, run before avsc decodes a payload.
 *
 * avsc (5.7) trusts the item count at the start of each array or map block: it loops that many
 * times even past the end of the buffer, and items of type null take no bytes at all. A payload
 * of six bytes can so make it build an array of two billion items and exhaust the heap. This
 * walk reads the same structure with every length and count checked against the bytes left and
 * a total item budget, so avsc only receives payloads that it decodes in bounded time.
 *
 * The walk also rejects strings that are not valid UTF-8, which avsc would turn into U+FFFD
 * characters: an identifier changed that way would delete nothing and hide the failure.
 */

import type { Type, types } from 'avsc';

/** Most array and map items in one payload. A consent event has at most 100 identifiers. */
export const MAX_AVRO_COLLECTION_ITEMS = 65_536;

/** Deepest nesting of records, arrays, maps and unions, to bound recursion on recursive schemas. */
export const MAX_AVRO_NESTING_DEPTH = 64;

class StructureError extends Error {
  override name = 'StructureError';
}

class Cursor {
  position = 0;
  items = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  skip(count: number, description: string): void {
    if (count > this.bytes.byteLength - this.position) {
      throw new StructureError(`${description} needs ${count} bytes at byte ${this.position}, but the payload ends first`);
    }
    this.position += count;
  }

  /**
   * Reads a zigzag varint of at most `maxBytes` bytes. Values beyond 2^53 come out rounded,
   * which only matters for comparisons against limits far below that.
   */
  readVarint(maxBytes: number, description: string): number {
    let unsigned = 0;
    let scale = 1;
    for (let index = 0; index < maxBytes; index++) {
      const byte = this.bytes[this.position];
      if (byte === undefined) {
        throw new StructureError(`${description} at byte ${this.position} is cut off by the end of the payload`);
      }
      this.position += 1;
      unsigned += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      }
      scale *= 128;
    }
    throw new StructureError(`${description} at byte ${this.position} is longer than ${maxBytes} bytes`);
  }

  countItems(count: number): void {
    this.items += count;
    if (this.items > MAX_AVRO_COLLECTION_ITEMS) {
      throw new StructureError(`arrays and maps hold more than ${MAX_AVRO_COLLECTION_ITEMS} items in total`);
    }
  }
}

/** `fatal` makes decode() throw on malformed UTF-8 instead of inserting U+FFFD. */
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const INT_BYTES = 5;
const LONG_BYTES = 10;

/**
 * Returns undefined when `bytes` is exactly one value of `type`, within the limits above, or a
 * description of the first problem. It never reads outside `bytes`.
 */
export function findAvroStructureProblem(type: Type, bytes: Uint8Array): string | undefined {
  const cursor = new Cursor(bytes);
  try {
    walk(type, cursor, 1);
  } catch (error) {
    if (error instanceof StructureError) {
      return error.message;
    }
    throw error;
  }
  if (cursor.position !== bytes.byteLength) {
    return `the value ends at byte ${cursor.position} and ${bytes.byteLength - cursor.position} more bytes follow`;
  }
  return undefined;
}

function walk(type: Type, cursor: Cursor, depth: number): void {
  if (depth > MAX_AVRO_NESTING_DEPTH) {
    throw new StructureError(`values are nested more than ${MAX_AVRO_NESTING_DEPTH} levels deep`);
  }

  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean':
      cursor.skip(1, 'a boolean');
      return;
    case 'int':
      cursor.readVarint(INT_BYTES, 'an int');
      return;
    case 'long':
    case 'abstract:long':
      cursor.readVarint(LONG_BYTES, 'a long');
      return;
    case 'float':
      cursor.skip(4, 'a float');
      return;
    case 'double':
      cursor.skip(8, 'a double');
      return;
    case 'bytes':
      skipLengthPrefixed(cursor, 'a bytes value');
      return;
    case 'string':
      checkUtf8(cursor, skipLengthPrefixed(cursor, 'a string value'));
      return;
    case 'fixed':
      cursor.skip((type as types.FixedType).size, 'a fixed value');
      return;
    case 'enum':
      readIndex(cursor, (type as types.EnumType).symbols.length, 'an enum symbol');
      return;
    case 'array':
      walkBlocks(cursor, depth, () => walk((type as types.ArrayType).itemsType, cursor, depth + 1));
      return;
    case 'map':
      walkBlocks(cursor, depth, () => {
        checkUtf8(cursor, skipLengthPrefixed(cursor, 'a map key'));
        walk((type as types.MapType).valuesType as Type, cursor, depth + 1);
      });
      return;
    case 'union:wrapped':
    case 'union:unwrapped': {
      const branches = (type as types.WrappedUnionType).types;
      const branch = branches[readIndex(cursor, branches.length, 'a union branch')];
      if (branch !== undefined) {
        walk(branch, cursor, depth + 1);
      }
      return;
    }
    case 'record':
    case 'error':
      for (const field of (type as types.RecordType).fields) {
        walk(field.type, cursor, depth + 1);
      }
      return;
    default:
      if (type.typeName.startsWith('logical:')) {
        walk((type as types.LogicalType).underlyingType, cursor, depth);
        return;
      }
      throw new StructureError(`Avro type ${type.typeName} is not supported`);
  }
}

/** Skips a length and that many bytes, and returns the position of the first of those bytes. */
function skipLengthPrefixed(cursor: Cursor, description: string): number {
  const length = cursor.readVarint(LONG_BYTES, `the length of ${description}`);
  if (length < 0) {
    throw new StructureError(`${description} has a negative length`);
  }
  const start = cursor.position;
  cursor.skip(length, description);
  return start;
}

/** Checks that the bytes from `start` to the cursor are valid UTF-8. */
function checkUtf8(cursor: Cursor, start: number): void {
  try {
    utf8Decoder.decode(cursor.bytes.subarray(start, cursor.position));
  } catch {
    throw new StructureError(`the string at byte ${start} is not valid UTF-8`);
  }
}

function readIndex(cursor: Cursor, size: number, description: string): number {
  const index = cursor.readVarint(INT_BYTES, description);
  if (index < 0 || index >= size) {
    throw new StructureError(`${description} has index ${index}, outside 0 to ${size - 1}`);
  }
  return index;
}

/**
 * Walks the blocks of an array or map. A block starts with its item count; a negative count
 * is followed by the block size in bytes, and a zero count ends the value.
 */
function walkBlocks(cursor: Cursor, depth: number, walkItem: () => void): void {
  for (;;) {
    let count = cursor.readVarint(LONG_BYTES, 'a block item count');
    if (count === 0) {
      return;
    }
    if (count < 0) {
      count = -count;
      const size = cursor.readVarint(LONG_BYTES, 'a block size');
      if (size < 0 || size > cursor.bytes.byteLength - cursor.position) {
        throw new StructureError(`a block at depth ${depth} declares ${size} bytes, more than the payload has left`);
      }
    }
    cursor.countItems(count);
    for (let index = 0; index < count; index++) {
      walkItem();
    }
  }
}
