/**
 * Producer-side helpers shared by the schema and Schema Registry tests: the schema files, and
 * conversions of a consent event in its JSON shape to the input that avsc and protobufjs
 * encode with schemas/consent-event-v1.avsc and schemas/consent-event-v1.proto.
 */

import { readFileSync } from 'node:fs';

import protobuf from 'protobufjs';

const schemasDirectory = new URL('../../schemas/', import.meta.url);

export const AVRO_SCHEMA_TEXT = readFileSync(new URL('consent-event-v1.avsc', schemasDirectory), 'utf8');
export const PROTOBUF_SCHEMA_TEXT = readFileSync(new URL('consent-event-v1.proto', schemasDirectory), 'utf8');
export const JSON_SCHEMA_TEXT = readFileSync(new URL('consent-event-v1.schema.json', schemasDirectory), 'utf8');

export const PROTOBUF_EVENT_TYPE = 'mediarithmics_deletion_connector.consent.v1.ConsentEvent';

const IDENTIFIER_FIELDS = [
  'user_point_id',
  'user_account_id',
  'compartment_id',
  'email',
  'hash',
  'algorithm',
  'user_agent_id',
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the Avro record for a JSON event: absent optional fields become null, scope.all and
 * scope.withdrawn get their Avro defaults, and unknown fields are left out because the Avro
 * schema has no place for them. A value of the wrong type is passed through, so that avsc
 * rejects it as a producer would.
 */
export function toAvroRecord(event: Record<string, unknown>): Record<string, unknown> {
  const scope = event['scope'];
  const jurisdiction = event['jurisdiction'];
  const identifiers = event['identifiers'];
  return {
    schema_version: event['schema_version'] ?? 1,
    event_id: event['event_id'],
    event_type: event['event_type'],
    occurred_at: event['occurred_at'],
    datamart_id: event['datamart_id'] ?? null,
    scope: isObject(scope) ? toAvroScope(scope) : (scope ?? null),
    jurisdiction: isObject(jurisdiction) ? { regulation: jurisdiction['regulation'] ?? null } : (jurisdiction ?? null),
    identifiers: Array.isArray(identifiers) ? identifiers.map(toAvroIdentifier) : identifiers,
  };
}

function toAvroScope(scope: Record<string, unknown>): Record<string, unknown> {
  const withdrawn = scope['withdrawn'];
  return {
    all: scope['all'] ?? true,
    withdrawn: Array.isArray(withdrawn)
      ? withdrawn.map((purpose: unknown) => (isObject(purpose) ? { namespace: purpose['namespace'], id: purpose['id'] } : purpose))
      : (withdrawn ?? []),
  };
}

function toAvroIdentifier(identifier: unknown): unknown {
  if (!isObject(identifier)) {
    return identifier;
  }
  const record: Record<string, unknown> = { type: identifier['type'] };
  for (const field of IDENTIFIER_FIELDS) {
    record[field] = identifier[field] ?? null;
  }
  return record;
}

/**
 * Builds the protobufjs input for a JSON event. protobufjs names fields in lowerCamelCase
 * (event_id becomes eventId) unless a schema is parsed with keepCase, and the Schema Registry
 * client parses without it, so every key is renamed the same way here.
 */
export function toProtobufObject(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(toProtobufObject);
  }
  if (!isObject(value)) {
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    result[protobuf.util.camelCase(key)] = toProtobufObject(child);
  }
  return result;
}
