/**
 * Protobuf support of the registry decoder: the message indexes of the Confluent wire format,
 * and the walk that turns a decoded message into the JSON shape of the consent event.
 *
 * The Schema Registry client parses schemas with protobufjs, which renames fields to
 * lowerCamelCase, so the original field names are gone. Fields therefore come out under their
 * proto3 JSON names: json_name when set (schemas/consent-event-v1.proto sets it to the snake_case
 * contract name), else protobufjs's lowerCamelCase name.
 */

import type { Enum, Field, Message, Namespace, ReflectionObject, Type } from 'protobufjs';

import { bytesToBase64, setField, toJsonInteger } from './json-shape.ts';

/** The message type that a payload names and where its encoded message starts. */
export interface ProtobufPayload {
  readonly type: Type;
  readonly messageStart: number;
}

/** Deepest message index path accepted, far beyond the nesting of any real schema. */
const MAX_MESSAGE_INDEXES = 16;

function isType(object: ReflectionObject | null | undefined): object is Type {
  return object !== null && object !== undefined && Array.isArray((object as Partial<Type>).fieldsArray);
}

function isEnum(object: ReflectionObject | null | undefined): object is Enum {
  return object !== null && object !== undefined && typeof (object as Partial<Enum>).valuesById === 'object';
}

function nestedTypes(namespace: Namespace): Type[] {
  return namespace.nestedArray.filter(isType);
}

/**
 * Finds the message type and the start of the message in a Protobuf payload.
 *
 * Confluent serializers write message indexes before the message: a zigzag varint count, then
 * that many zigzag varint indexes, first among the top-level messages of the schema and then
 * among nested messages. The first message is written as a single 0 byte. The kafkajs client
 * (3.9) writes no indexes and always means the first message. Both are accepted: a first byte
 * of 2, 4 or 6 (one to three indexes) cannot start a message, because it would be a tag of
 * field number 0, and any other non-zero first byte starts the message itself.
 *
 * `firstType` is the message type that the client picked, the first message of the schema.
 * Returns a description of the problem when the indexes name no message.
 */
export function locateMessage(payload: Uint8Array, firstType: Type): ProtobufPayload | string {
  const first = payload[0];
  if (first === undefined || (first !== 0 && first !== 2 && first !== 4 && first !== 6)) {
    return { type: firstType, messageStart: 0 };
  }
  if (first === 0) {
    return { type: firstType, messageStart: 1 };
  }

  let position = 1;
  const indexes: number[] = [];
  const count = first / 2;
  for (let read = 0; read < count; read++) {
    const varint = readZigzagVarint(payload, position);
    if (varint === undefined) {
      return 'the message indexes are cut off by the end of the payload';
    }
    indexes.push(varint.value);
    position = varint.next;
  }
  if (indexes.length > MAX_MESSAGE_INDEXES) {
    return `the payload names a message nested more than ${MAX_MESSAGE_INDEXES} levels deep`;
  }

  const fileScope = firstType.parent;
  if (fileScope === null) {
    return 'the schema has no message types';
  }
  let candidates = nestedTypes(fileScope);
  let type: Type | undefined;
  for (const index of indexes) {
    type = candidates[index];
    if (type === undefined) {
      return `the message indexes [${indexes.join(', ')}] name no message of the schema`;
    }
    candidates = nestedTypes(type);
  }
  return type === undefined ? 'the message indexes are empty' : { type, messageStart: position };
}

function readZigzagVarint(bytes: Uint8Array, start: number): { value: number; next: number } | undefined {
  let unsigned = 0;
  let scale = 1;
  for (let position = start; position < bytes.byteLength && position < start + 5; position++) {
    const byte = bytes[position] ?? 0;
    unsigned += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      const value = unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      return { value, next: position + 1 };
    }
    scale *= 128;
  }
  return undefined;
}

/**
 * Converts a decoded message to the values JSON.parse gives, following the proto3 JSON mapping.
 * A field with explicit presence (proto3 `optional`, a message field, a oneof member, any proto2
 * field) is present only when it was on the wire. A field without presence is left out when it
 * has its default value, and so is an empty repeated or map field. Enums become their names, or
 * numbers when unknown, and bytes become base64. Unlike the proto3 JSON mapping, 64-bit
 * integers become numbers when exactly representable, else decimal strings.
 *
 * The root of `type` must be resolved (Root.resolveAll), because presence depends on the
 * resolved field features.
 *
 * NOTE: protobufjs (7.6) decodes a string field that is not valid UTF-8 with U+FFFD
 * replacement characters instead of failing, and nothing here checks the wire bytes, so such
 * an identifier reaches the contract checks altered. JSON and Avro records are rejected instead.
 */
export function normaliseProtobufMessage(message: Message, type: Type): Record<string, unknown> {
  const source = message as unknown as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = source[field.name];
    const key = jsonName(field);

    if (field.map) {
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      if (entries.length > 0) {
        const normalised: Record<string, unknown> = {};
        for (const [entryKey, entryValue] of entries) {
          setField(normalised, entryKey, normaliseFieldValue(entryValue, field));
        }
        setField(result, key, normalised);
      }
    } else if (field.repeated) {
      if (Array.isArray(value) && value.length > 0) {
        setField(result, key, value.map((item: unknown) => normaliseFieldValue(item, field)));
      }
    } else if (hasExplicitPresence(field)) {
      if (Object.hasOwn(source, field.name) && value !== null && value !== undefined) {
        setField(result, key, normaliseFieldValue(value, field));
      }
    } else if (Object.hasOwn(source, field.name) && !isDefaultValue(value)) {
      setField(result, key, normaliseFieldValue(value, field));
    }
  }
  return result;
}

function jsonName(field: Field): string {
  const name: unknown = field.options?.['json_name'];
  return typeof name === 'string' && name !== '' ? name : field.name;
}

/** protobufjs reports no presence for proto3 message fields, which always have it. */
function hasExplicitPresence(field: Field): boolean {
  return field.hasPresence || isType(field.resolvedType);
}

function isDefaultValue(value: unknown): boolean {
  if (value === '' || value === 0 || value === false || value === null || value === undefined) {
    return true;
  }
  if (value instanceof Uint8Array) {
    return value.byteLength === 0;
  }
  return isLong(value) && value.low === 0 && value.high === 0;
}

function normaliseFieldValue(value: unknown, field: Field): unknown {
  const resolved = field.resolvedType;
  if (isType(resolved)) {
    return normaliseProtobufMessage(value as Message, resolved);
  }
  if (isEnum(resolved) && typeof value === 'number') {
    return resolved.valuesById[value] ?? value;
  }
  if (isLong(value)) {
    return toJsonInteger(longToBigInt(value));
  }
  if (value instanceof Uint8Array) {
    return bytesToBase64(value);
  }
  return value;
}

/** The shape of the long.js objects that protobufjs uses for 64-bit integers. */
interface LongValue {
  low: number;
  high: number;
  unsigned: boolean;
}

function isLong(value: unknown): value is LongValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<LongValue>).low === 'number' &&
    typeof (value as Partial<LongValue>).high === 'number' &&
    typeof (value as Partial<LongValue>).unsigned === 'boolean'
  );
}

function longToBigInt(value: LongValue): bigint {
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}
