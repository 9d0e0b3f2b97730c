/**
 * Avro support of the registry decoder: the avsc options that make 64-bit longs safe, and the
 * walk that turns a decoded Avro value into the JSON shape of the consent event.
 */

import avro from 'avsc';
import type { Type, types } from 'avsc';

import { bytesToBase64, setField, toJsonInteger } from './json-shape.ts';

/**
 * avsc's default long type throws "potential precision loss" on any long beyond 2^53, even in
 * a field the connector ignores. This one reads every long as a bigint instead, which
 * normaliseAvroValue then converts with toJsonInteger.
 */
const BIGINT_LONG_TYPE: Type = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer): bigint => buffer.readBigInt64LE(),
  toBuffer: (value: bigint): Buffer => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: (value: unknown): bigint => BigInt(value as string | number),
  toJSON: (value: bigint): number | string => toJsonInteger(value),
  isValid: (value: unknown): boolean => typeof value === 'bigint',
  compare: compareBigints,
});

function compareBigints(left: bigint, right: bigint): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

/** Replaces every long, including a long under a logical type that avsc does not know, with BIGINT_LONG_TYPE. */
function useBigintLongs(schema: unknown): Type | undefined {
  if (schema === 'long') {
    return BIGINT_LONG_TYPE;
  }
  if (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long') {
    return BIGINT_LONG_TYPE;
  }
  return undefined;
}

/**
 * Returns avsc options for schemas that the decoder reads. Unions stay in avsc's default 'auto'
 * mode. Each call returns a new object, because avsc.Type.forSchema stores its registry of type
 * names in the options it is given, and a shared registry would make a second schema with the
 * same record names fail with "duplicate type name".
 */
export function createAvroDecoderOptions(): { typeHook: (schema: unknown) => Type | undefined } {
  return { typeHook: useBigintLongs };
}

/**
 * Converts a value decoded with `type` to the values JSON.parse gives. A record field that is
 * null is left out, because the consent event schema writes an absent optional field as null.
 * Union values are unwrapped. Longs become numbers, or decimal strings beyond 2^53. Bytes and
 * fixed values become base64 strings. Nulls inside arrays and maps stay null, as in JSON.
 */
export function normaliseAvroValue(value: unknown, type: Type): unknown {
  switch (type.typeName) {
    case 'record':
    case 'error':
      return normaliseRecord(value as Record<string, unknown>, type as types.RecordType);
    case 'array':
      return (value as unknown[]).map((item) => normaliseAvroValue(item, (type as types.ArrayType).itemsType));
    case 'map':
      return normaliseMap(value as Record<string, unknown>, (type as types.MapType).valuesType as Type);
    case 'union:wrapped':
      return normaliseWrappedUnion(value, type as types.WrappedUnionType);
    case 'union:unwrapped':
      return normaliseUnwrappedUnion(value, type as types.UnwrappedUnionType);
    default:
      return normaliseScalar(value);
  }
}

function normaliseRecord(value: Record<string, unknown>, type: types.RecordType): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of type.fields) {
    const normalised = normaliseAvroValue(value[field.name], field.type);
    if (normalised !== null && normalised !== undefined) {
      setField(result, field.name, normalised);
    }
  }
  return result;
}

function normaliseMap(value: Record<string, unknown>, valuesType: Type): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setField(result, key, normaliseAvroValue(value[key], valuesType));
  }
  return result;
}

/** Unwraps a wrapped union value: null, or an object whose only key names the branch, such as {"string": "x"}. */
function normaliseWrappedUnion(value: unknown, type: types.WrappedUnionType): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  const [branchName] = Object.keys(value);
  const branch = type.types.find((candidate) => candidate.branchName === branchName);
  if (branchName === undefined || branch === undefined) {
    return null;
  }
  return normaliseAvroValue((value as Record<string, unknown>)[branchName], branch);
}

/**
 * Normalises an unwrapped union value, which is the branch value itself. avsc unwraps a union
 * only when its branches have values of different JavaScript kinds, so exactly one non-null
 * branch accepts the value.
 */
function normaliseUnwrappedUnion(value: unknown, type: types.UnwrappedUnionType): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  const branch = type.types.find((candidate) => candidate.typeName !== 'null' && candidate.isValid(value));
  return branch === undefined ? normaliseScalar(value) : normaliseAvroValue(value, branch);
}

function normaliseScalar(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return toJsonInteger(value);
  }
  if (value instanceof Uint8Array) {
    return bytesToBase64(value);
  }
  return value;
}
