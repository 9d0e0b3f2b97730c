/**
 * Checks that the four forms of the consent event contract accept and reject the same events:
 * the JSON Schema (Ajv 8, draft 2020-12), the zod schema, the Avro schema (avsc) and the
 * Protobuf schema (protobufjs).
 *
 * For Avro and Protobuf, "accept" means that the event encodes, decodes, normalises to the JSON
 * shape as the registry decoder does, and then passes the zod schema. Some fixtures cannot be
 * written in a binary format at all, such as a number where the schema has a string. The table
 * names each of them with the reason, and the test checks that the format really cannot express
 * it instead of skipping it.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ajv2020 } from 'ajv/dist/2020.js';
import avro from 'avsc';
import protobuf from 'protobufjs';

import { validateConsentEvent } from '../../src/contract/consent-event.ts';
import { parseIdentifier } from '../../src/contract/identifier.ts';
import { createAvroDecoderOptions, normaliseAvroValue } from '../../src/decode/registry/avro.ts';
import { normaliseProtobufMessage } from '../../src/decode/registry/protobuf.ts';
import { mapEvent } from '../../src/mapping/map-event.ts';
import { defaultMappingPolicy } from '../../src/mapping/policy.ts';
import { CONTRACT_EXAMPLES, JANE_SHA256, erasureEvent, eventWithIdentifiers } from '../contract/fixtures.ts';
import {
  AVRO_SCHEMA_TEXT,
  JSON_SCHEMA_TEXT,
  PROTOBUF_EVENT_TYPE,
  PROTOBUF_SCHEMA_TEXT,
  toAvroRecord,
  toProtobufObject,
} from './encoders.ts';

/**
 * How a binary format handles a fixture. `agrees`: it accepts exactly the valid fixtures.
 * `encoder rejects`: the value has a type that the schema cannot hold, so encoding fails.
 * `null is absent`: the format writes an absent optional field as null (Avro) or as an unset
 * field (Protobuf), so a JSON null arrives as an absent field.
 */
type BinaryHandling = 'agrees' | { cannotExpress: 'encoder rejects' | 'null is absent'; explanation: string };

interface Fixture {
  name: string;
  event: Record<string, unknown>;
  valid: boolean;
  avro: BinaryHandling;
  protobuf: BinaryHandling;
}

const UUID = '95772db3-e762-45da-8cf1-4893debffae7';

function wrongType(explanation: string): BinaryHandling {
  return { cannotExpress: 'encoder rejects', explanation };
}

const REQUIRED_IN_AVRO: BinaryHandling = wrongType('Avro has no absent value for a field without a null branch');

// The verdicts of the JSON Schema and zod columns are the `valid` column. A Protobuf string or
// repeated field that is missing arrives as missing too, because proto3 leaves an empty string
// and an empty list off the wire, so those rows agree.
const FIXTURES: Fixture[] = [
  { name: 'erasure example', event: JSON.parse(CONTRACT_EXAMPLES.erasure), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'withdrawal example', event: JSON.parse(CONTRACT_EXAMPLES.withdrawal), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'grant example', event: JSON.parse(CONTRACT_EXAMPLES.grant), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'minimal event', event: erasureEvent(), valid: true, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'unknown fields at every level',
    event: erasureEvent({
      producer: 'cmp',
      scope: { all: false, note: 'x', withdrawn: [{ namespace: 'tcf', id: '1', extra: 1 }] },
      jurisdiction: { regulation: 'gdpr', region: 'eu' },
      identifiers: [{ type: 'email', email: 'a@b.c', source: 'form' }],
    }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'schema_version 1', event: erasureEvent({ schema_version: 1 }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'schema_version 2', event: erasureEvent({ schema_version: 2 }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'schema_version as a string',
    event: erasureEvent({ schema_version: '1' }),
    valid: false,
    avro: wrongType('schema_version is an Avro int'),
    protobuf: wrongType('schema_version is an int32'),
  },
  {
    name: 'schema_version beyond 2^31',
    event: erasureEvent({ schema_version: 2 ** 31 + 1 }),
    valid: false,
    avro: wrongType('an Avro int has 32 bits'),
    protobuf: 'agrees',
  },
  { name: 'missing event_id', event: erasureEvent({ event_id: undefined }), valid: false, avro: REQUIRED_IN_AVRO, protobuf: 'agrees' },
  { name: 'empty event_id', event: erasureEvent({ event_id: '' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  { name: 'event_id of 128 emoji', event: erasureEvent({ event_id: '😀'.repeat(128) }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'event_id of 129 characters', event: erasureEvent({ event_id: 'e'.repeat(129) }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'numeric event_id',
    event: erasureEvent({ event_id: 7 }),
    valid: false,
    avro: wrongType('event_id is an Avro string'),
    protobuf: wrongType('event_id is a string field'),
  },
  { name: 'consent.updated', event: erasureEvent({ event_type: 'consent.updated' }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'unknown event type', event: erasureEvent({ event_type: 'consent.revoked' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  { name: 'missing event type', event: erasureEvent({ event_type: undefined }), valid: false, avro: REQUIRED_IN_AVRO, protobuf: 'agrees' },
  {
    name: 'timestamp with fraction and offset',
    event: erasureEvent({ occurred_at: '2026-11-02T10:00:00.5+01:00' }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'timestamp without offset', event: erasureEvent({ occurred_at: '2026-11-02T10:00:00' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  { name: 'timestamp on 29 February 2028', event: erasureEvent({ occurred_at: '2028-02-29T10:00:00Z' }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'timestamp on 31 June', event: erasureEvent({ occurred_at: '2026-06-31T10:00:00Z' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'timestamp as a number',
    event: erasureEvent({ occurred_at: 1793610900 }),
    valid: false,
    avro: wrongType('occurred_at is an Avro string'),
    protobuf: wrongType('occurred_at is a string field'),
  },
  { name: 'datamart_id of digits', event: erasureEvent({ datamart_id: '1509' }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'datamart_id as a number',
    event: erasureEvent({ datamart_id: 1509 }),
    valid: false,
    avro: wrongType('datamart_id is a union of null and string'),
    protobuf: wrongType('datamart_id is a string field'),
  },
  { name: 'datamart_id with a sign', event: erasureEvent({ datamart_id: '-1509' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  { name: 'scope without all', event: erasureEvent({ scope: { withdrawn: [] } }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'scope null',
    event: erasureEvent({ scope: null }),
    valid: false,
    avro: { cannotExpress: 'null is absent', explanation: 'Avro writes an absent scope as null' },
    protobuf: { cannotExpress: 'null is absent', explanation: 'an unset message field is the only null Protobuf has' },
  },
  {
    name: 'scope.all as a string',
    event: erasureEvent({ scope: { all: 'true' } }),
    valid: false,
    avro: wrongType('scope.all is an Avro boolean'),
    protobuf: wrongType('scope.all is a bool field'),
  },
  {
    name: 'purpose without namespace',
    event: erasureEvent({ scope: { withdrawn: [{ id: '3' }] } }),
    valid: false,
    avro: REQUIRED_IN_AVRO,
    protobuf: 'agrees',
  },
  {
    name: 'purpose as a string',
    event: erasureEvent({ scope: { withdrawn: ['tcf:3'] } }),
    valid: false,
    avro: wrongType('a purpose is an Avro record'),
    protobuf: wrongType('a purpose is a message'),
  },
  {
    name: 'regulation as a number',
    event: erasureEvent({ jurisdiction: { regulation: 1 } }),
    valid: false,
    avro: wrongType('regulation is a union of null and string'),
    protobuf: wrongType('regulation is a string field'),
  },
  { name: 'jurisdiction without regulation', event: erasureEvent({ jurisdiction: {} }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'no identifiers', event: erasureEvent({ identifiers: [] }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: '100 identifiers',
    event: eventWithIdentifiers(...Array.from({ length: 100 }, (_, index) => ({ type: 'user_agent', user_agent_id: `vec:${index}` }))),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: '101 identifiers',
    event: eventWithIdentifiers(...Array.from({ length: 101 }, (_, index) => ({ type: 'user_agent', user_agent_id: `vec:${index}` }))),
    valid: false,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'identifier of a future type', event: eventWithIdentifiers({ type: 'phone', phone: '+33600000000' }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  { name: 'identifier without type', event: eventWithIdentifiers({ email: 'a@b.c' }), valid: false, avro: REQUIRED_IN_AVRO, protobuf: 'agrees' },
  {
    name: 'identifier as a string',
    event: eventWithIdentifiers('a@b.c'),
    valid: false,
    avro: wrongType('an identifier is an Avro record'),
    protobuf: wrongType('an identifier is a message'),
  },
  { name: 'user point', event: eventWithIdentifiers({ type: 'user_point', user_point_id: UUID }), valid: true, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'user point with a bad UUID',
    event: eventWithIdentifiers({ type: 'user_point', user_point_id: 'not-a-uuid' }),
    valid: false,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'user point without id', event: eventWithIdentifiers({ type: 'user_point' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'user account with compartment',
    event: eventWithIdentifiers({ type: 'user_account', user_account_id: 'CRM-1', compartment_id: '7' }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'user account with a numeric compartment',
    event: eventWithIdentifiers({ type: 'user_account', user_account_id: 'CRM-1', compartment_id: 7 }),
    valid: false,
    avro: wrongType('compartment_id is a union of null and string'),
    protobuf: wrongType('compartment_id is a string field'),
  },
  {
    name: 'user account id of 257 characters',
    event: eventWithIdentifiers({ type: 'user_account', user_account_id: 'a'.repeat(257) }),
    valid: false,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'email of 254 characters',
    event: eventWithIdentifiers({ type: 'email', email: `${'a'.repeat(244)}@example.c` }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'email with two @', event: eventWithIdentifiers({ type: 'email', email: 'a@b@c' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
  {
    name: 'sha256 hash without algorithm',
    event: eventWithIdentifiers({ type: 'email_hash', hash: JANE_SHA256 }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'md5 hash',
    event: eventWithIdentifiers({ type: 'email_hash', hash: 'b'.repeat(32), algorithm: 'md5' }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'sha1-length hash without algorithm',
    event: eventWithIdentifiers({ type: 'email_hash', hash: 'a'.repeat(40) }),
    valid: false,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'unknown hash algorithm',
    event: eventWithIdentifiers({ type: 'email_hash', hash: JANE_SHA256, algorithm: 'sha512' }),
    valid: false,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  {
    name: 'user agent of any prefix',
    event: eventWithIdentifiers({ type: 'user_agent', user_agent_id: 'web:1:abc' }),
    valid: true,
    avro: 'agrees',
    protobuf: 'agrees',
  },
  { name: 'empty user agent id', event: eventWithIdentifiers({ type: 'user_agent', user_agent_id: '' }), valid: false, avro: 'agrees', protobuf: 'agrees' },
];

/** RFC 3339 date-time with a mandatory offset, and a day that exists in its month. */
function isDateTimeWithOffset(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (match === null) {
    return false;
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const lastDay = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && !leap ? 28 : lastDay);
}

const ajv = new Ajv2020({ strict: true });
ajv.addFormat('date-time', { type: 'string', validate: isDateTimeWithOffset });
const jsonSchemaAccepts = ajv.compile(JSON.parse(JSON_SCHEMA_TEXT) as object);

/**
 * The zod side accepts an event whose envelope is valid and whose identifiers each parse or have
 * a type unknown to version 1, because the JSON Schema lets future identifier types through for
 * the connector to skip.
 */
function zodAccepts(value: unknown): boolean {
  const result = validateConsentEvent(value);
  if (result.kind !== 'valid') {
    return false;
  }
  return result.event.identifiers.every((raw, index) => {
    const parsed = parseIdentifier(raw, `identifiers[${index}]`);
    return parsed.ok || parsed.reason === 'unknown_identifier_type';
  });
}

const avroWriterType = avro.Type.forSchema(JSON.parse(AVRO_SCHEMA_TEXT) as avro.Schema);
const avroReaderType = avro.Type.forSchema(JSON.parse(AVRO_SCHEMA_TEXT) as avro.Schema, createAvroDecoderOptions());

/** Parsed as the Schema Registry client parses it: without keepCase, so names are lowerCamelCase. */
const protobufRoot = protobuf.parse(PROTOBUF_SCHEMA_TEXT).root;
protobufRoot.resolveAll();
const protobufType = protobufRoot.lookupType(PROTOBUF_EVENT_TYPE);

/** Encodes with avsc, or returns the encoder's error. */
function encodeAvro(event: Record<string, unknown>): Buffer | Error {
  try {
    return avroWriterType.toBuffer(toAvroRecord(event));
  } catch (error) {
    return error as Error;
  }
}

function decodeAvro(bytes: Buffer): unknown {
  return normaliseAvroValue(avroReaderType.fromBuffer(bytes), avroReaderType);
}

/** Encodes as the Schema Registry client does (verify, create, encode), or returns the verify error. */
function encodeProtobuf(event: Record<string, unknown>): Uint8Array | Error {
  const input = toProtobufObject(event) as Record<string, unknown>;
  const problem = protobufType.verify(input);
  if (problem !== null) {
    return new Error(problem);
  }
  return protobufType.encode(protobufType.create(input)).finish();
}

function decodeProtobuf(bytes: Uint8Array): unknown {
  return normaliseProtobufMessage(protobufType.decode(bytes), protobufType);
}

const POLICY = defaultMappingPolicy('1509');

/** Returns the deletion lines or skip of a valid event, to compare what two formats make of it. */
function mappingOf(value: unknown): unknown {
  const result = validateConsentEvent(value);
  assert.equal(result.kind, 'valid');
  return result.kind === 'valid' ? mapEvent(result.event, POLICY) : undefined;
}

/** Returns the fixture without `field`, the event that a format carrying null as absent sends. */
function withoutNullFields(event: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== null));
}

function checkBinaryFormat(
  fixture: Fixture,
  handling: BinaryHandling,
  encode: (event: Record<string, unknown>) => Uint8Array | Error,
  decode: (bytes: Uint8Array) => unknown,
): void {
  const encoded = encode(fixture.event);
  if (handling !== 'agrees' && handling.cannotExpress === 'encoder rejects') {
    assert.ok(encoded instanceof Error, `the encoder accepted a value it cannot hold (${handling.explanation})`);
    return;
  }
  assert.ok(!(encoded instanceof Error), `encoding failed: ${encoded instanceof Error ? encoded.message : ''}`);
  if (encoded instanceof Error) {
    return;
  }

  const decoded = decode(encoded);
  if (handling !== 'agrees') {
    const absentVariant = encode(withoutNullFields(fixture.event));
    assert.ok(!(absentVariant instanceof Error));
    assert.deepEqual(decode(absentVariant as Uint8Array), decoded, `null must arrive as absent (${handling.explanation})`);
    return;
  }

  assert.equal(zodAccepts(decoded), fixture.valid, 'decoded event against the zod schema');
  if (fixture.valid) {
    assert.deepEqual(mappingOf(decoded), mappingOf(fixture.event), 'deletion lines of the decoded event');
  }
}

describe('consent event schemas in four forms', () => {
  for (const fixture of FIXTURES) {
    describe(fixture.name, () => {
      it('JSON Schema and zod agree', () => {
        assert.equal(jsonSchemaAccepts(fixture.event), fixture.valid, 'JSON Schema');
        assert.equal(zodAccepts(fixture.event), fixture.valid, 'zod schema');
      });

      it(`Avro ${describeHandling(fixture.avro)}`, () => {
        checkBinaryFormat(fixture, fixture.avro, encodeAvro, (bytes) => decodeAvro(Buffer.from(bytes)));
      });

      it(`Protobuf ${describeHandling(fixture.protobuf)}`, () => {
        checkBinaryFormat(fixture, fixture.protobuf, encodeProtobuf, decodeProtobuf);
      });
    });
  }

  it('table covers valid and invalid events in every format', () => {
    assert.ok(FIXTURES.filter((fixture) => fixture.valid).length >= 15);
    assert.ok(FIXTURES.filter((fixture) => !fixture.valid).length >= 15);
    for (const format of ['avro', 'protobuf'] as const) {
      assert.ok(FIXTURES.filter((fixture) => fixture[format] === 'agrees' && !fixture.valid).length >= 10, format);
    }
  });
});

function describeHandling(handling: BinaryHandling): string {
  return handling === 'agrees' ? 'agrees' : `cannot express it: ${handling.cannotExpress}, ${handling.explanation}`;
}
