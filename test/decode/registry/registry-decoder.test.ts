/**
 * RegistryDecoder against the Schema Registry stand-in, with a producer-side client of the
 * same library registering schemas and encoding records.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import protobuf from 'protobufjs';

import { createAvroDecoderOptions } from '../../../src/decode/registry/avro.ts';
import { interpretDecodedValue } from '../../../src/decode/registry/interpret-decoded.ts';
import {
  RegistryDecoder,
  SchemaRegistryUnavailableError,
  type RegistryDecodeResult,
} from '../../../src/decode/registry/registry-decoder.ts';
import { interpretRecord } from '../../../src/mapping/interpret.ts';
import { defaultMappingPolicy } from '../../../src/mapping/policy.ts';
import { startSchemaRegistry, type SchemaRegistryStandIn } from '../../../stand-in/schema-registry/server.ts';
import { CONTRACT_EXAMPLES } from '../../contract/fixtures.ts';
import { registerConsentEventSchemas, wireFormat, type RegistryProducer } from '../../schemas/registry-producer.ts';

const FORMATS = ['avro', 'json', 'protobuf'] as const;

/** The long.js constructor that protobufjs uses for 64-bit integers; its typings leave fromString out. */
interface LongStatic {
  fromString(text: string, unsigned?: boolean): unknown;
}
const POLICY = defaultMappingPolicy('1509');

const RICH_EVENT = {
  schema_version: 1,
  event_id: 'evt-rich',
  event_type: 'consent.withdrawn',
  occurred_at: '2026-11-02T10:00:00+01:00',
  datamart_id: '1509',
  scope: { all: false, withdrawn: [{ namespace: 'tcf', id: '3' }] },
  jurisdiction: { regulation: 'gdpr' },
  identifiers: [
    { type: 'user_account', user_account_id: 'CRM-1' },
    { type: 'email_hash', hash: 'b'.repeat(32), algorithm: 'md5' },
    { type: 'user_agent', user_agent_id: 'vec:1' },
  ],
};

let registry: SchemaRegistryStandIn;
let producer: RegistryProducer;

before(async () => {
  registry = await startSchemaRegistry();
  producer = await registerConsentEventSchemas(registry.url);
});

after(async () => {
  await registry.close();
});

function newDecoder(options: { requestTimeoutMs?: number; maxRecordBytes?: number } = {}): RegistryDecoder {
  return new RegistryDecoder({ url: registry.url, requestTimeoutMs: options.requestTimeoutMs ?? 2000, ...options });
}

function schemaRequests(id: number): number {
  return registry.requests.filter((request) => request.method === 'GET' && request.path === `/schemas/ids/${id}`).length;
}

function valueOf(result: RegistryDecodeResult): Record<string, unknown> {
  assert.equal(result.kind, 'value', result.kind === 'rejected' ? `${result.reason}: ${result.message}` : '');
  return result.kind === 'value' ? result.value : {};
}

function rejectionOf(result: RegistryDecodeResult): { reason: string; message: string } {
  assert.equal(result.kind, 'rejected');
  return result.kind === 'rejected' ? result : { reason: '', message: '' };
}

async function registerRaw(subject: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${registry.url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { id: number }).id;
}

async function expectUnavailable(promise: Promise<unknown>, code: string): Promise<SchemaRegistryUnavailableError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SchemaRegistryUnavailableError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.retriable, true);
    return error;
  }
  assert.fail(`expected SchemaRegistryUnavailableError ${code}`);
}

describe('RegistryDecoder.isWireFormat', () => {
  it('accepts byte 0 and a schema id', () => {
    assert.equal(RegistryDecoder.isWireFormat(new Uint8Array([0, 0, 0, 0, 1])), true);
    assert.equal(RegistryDecoder.isWireFormat(new Uint8Array([0, 0, 0, 0, 1, 2, 3])), true);
  });

  it('rejects JSON, short values and null', () => {
    assert.equal(RegistryDecoder.isWireFormat(Buffer.from('{"event_id":"x"}')), false);
    assert.equal(RegistryDecoder.isWireFormat(Buffer.from('\uFEFF{}')), false);
    assert.equal(RegistryDecoder.isWireFormat(new Uint8Array([0, 0, 0, 1])), false);
    assert.equal(RegistryDecoder.isWireFormat(new Uint8Array([1, 0, 0, 0, 1])), false);
    assert.equal(RegistryDecoder.isWireFormat(new Uint8Array()), false);
    assert.equal(RegistryDecoder.isWireFormat(null), false);
  });
});

describe('RegistryDecoder constructor', () => {
  it('rejects invalid URLs and timeouts', () => {
    assert.throws(() => new RegistryDecoder({ url: 'schema registry', requestTimeoutMs: 1000 }), /not a valid URL/);
    assert.throws(() => new RegistryDecoder({ url: 'ftp://127.0.0.1:8081', requestTimeoutMs: 1000 }), /http or https/);
    assert.throws(() => new RegistryDecoder({ url: 'http://127.0.0.1:8081?x=1', requestTimeoutMs: 1000 }), /query string/);
    assert.throws(() => new RegistryDecoder({ url: 'http://127.0.0.1:8081', requestTimeoutMs: 0 }), RangeError);
  });

  it('decode rejects a value that is not in the wire format', async () => {
    await assert.rejects(newDecoder().decode(Buffer.from('{}')), TypeError);
  });
});

describe('RegistryDecoder decodes every format to the JSON shape', () => {
  for (const format of FORMATS) {
    it(`${format}: contract examples and a rich event`, async () => {
      const decoder = newDecoder();
      for (const text of [...Object.values(CONTRACT_EXAMPLES)]) {
        const event = JSON.parse(text) as Record<string, unknown>;
        const decoded = valueOf(await decoder.decode(await producer.encode(format, event)));
        const expected =
          format === 'avro' ? { schema_version: 1, ...event } : event;
        assert.deepEqual(withoutEmptyWithdrawn(decoded), expected);
      }
      const rich = valueOf(await decoder.decode(await producer.encode(format, RICH_EVENT)));
      assert.deepEqual(rich, RICH_EVENT);
    });

    it(`${format}: same outcome as the JSON record`, async () => {
      const decoder = newDecoder();
      for (const text of [...Object.values(CONTRACT_EXAMPLES), JSON.stringify(RICH_EVENT)]) {
        const event = JSON.parse(text) as Record<string, unknown>;
        const decoded = valueOf(await decoder.decode(await producer.encode(format, event)));
        assert.deepEqual(interpretDecodedValue(decoded, POLICY), interpretRecord(Buffer.from(text), POLICY));
      }
    });
  }
});

/** Avro always writes scope.withdrawn, as an empty array when the JSON event had none. */
function withoutEmptyWithdrawn(value: Record<string, unknown>): Record<string, unknown> {
  const scope = value['scope'] as { withdrawn?: unknown[] } | undefined;
  if (scope?.withdrawn?.length === 0) {
    const { withdrawn: _withdrawn, ...rest } = scope;
    return { ...value, scope: rest };
  }
  return value;
}

describe('RegistryDecoder schema cache', () => {
  it('fetches each schema id once', async () => {
    const decoder = newDecoder();
    const value = await producer.encode('avro', JSON.parse(CONTRACT_EXAMPLES.erasure) as Record<string, unknown>);
    const before = schemaRequests(producer.ids.avro);
    const results = await Promise.all([decoder.decode(value), decoder.decode(value), decoder.decode(value)]);
    await decoder.decode(value);
    assert.ok(results.every((result) => result.kind === 'value'));
    assert.equal(schemaRequests(producer.ids.avro) - before, 1);
  });

  it('does not cache a failed lookup', async () => {
    const decoder = newDecoder();
    const value = await producer.encode('json', JSON.parse(CONTRACT_EXAMPLES.grant) as Record<string, unknown>);
    const before = schemaRequests(producer.ids.json);
    registry.script({ path: '/schemas/ids/', status: 503 });
    const error = await expectUnavailable(decoder.decode(value), 'registry_server_error');
    assert.equal(error.status, 503);
    assert.equal(error.schemaId, producer.ids.json);

    valueOf(await decoder.decode(value));
    valueOf(await decoder.decode(value));
    assert.equal(schemaRequests(producer.ids.json) - before, 2);
  });

  it('does not cache an unknown schema id', async () => {
    const decoder = newDecoder();
    const before = schemaRequests(9999);
    for (let attempt = 0; attempt < 2; attempt++) {
      const rejection = rejectionOf(await decoder.decode(wireFormat(9999, '{}')));
      assert.equal(rejection.reason, 'unknown_schema_id');
      assert.match(rejection.message, /no schema with id 9999/);
    }
    assert.equal(schemaRequests(9999) - before, 2);
  });
});

describe('RegistryDecoder registry failures', () => {
  const event = JSON.parse(CONTRACT_EXAMPLES.withdrawal) as Record<string, unknown>;

  it('throws registry_unreachable for a dropped connection', async () => {
    registry.script({ path: '/schemas/ids/', drop: true });
    await expectUnavailable(newDecoder().decode(await producer.encode('protobuf', event)), 'registry_unreachable');
  });

  it('throws registry_timeout on a slow registry', async () => {
    registry.script({ path: '/schemas/ids/', delayMs: 3000 });
    const started = Date.now();
    await expectUnavailable(newDecoder({ requestTimeoutMs: 200 }).decode(await producer.encode('avro', event)), 'registry_timeout');
    assert.ok(Date.now() - started < 2000, 'the timeout ended the request');
  });

  it('throws registry_unreachable when nothing listens', async () => {
    const port = await freeLoopbackPort();
    const decoder = new RegistryDecoder({ url: `http://127.0.0.1:${port}`, requestTimeoutMs: 1000 });
    await expectUnavailable(decoder.decode(wireFormat(1, '{}')), 'registry_unreachable');
  });

  it('treats a non-registry 404 as unavailable', async () => {
    registry.script({ path: '/schemas/ids/', status: 404, body: '<html>Not Found</html>' });
    const error = await expectUnavailable(newDecoder().decode(await producer.encode('json', event)), 'registry_unexpected_response');
    assert.equal(error.status, 404);
  });

  it('checks the Basic credentials', async () => {
    const secured = await startSchemaRegistry({ auth: { username: 'connector', password: 's3cret' } });
    try {
      const securedProducer = await registerConsentEventSchemas(secured.url, { auth: { username: 'connector', password: 's3cret' } });
      const value = await securedProducer.encode('avro', event);
      const anonymous = new RegistryDecoder({ url: secured.url, requestTimeoutMs: 1000 });
      const error = await expectUnavailable(anonymous.decode(value), 'registry_unauthorized');
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes('s3cret'));

      const wrong = new RegistryDecoder({ url: secured.url, requestTimeoutMs: 1000, auth: { username: 'connector', password: 'nope' } });
      await expectUnavailable(wrong.decode(value), 'registry_unauthorized');

      const authorised = new RegistryDecoder({ url: secured.url, requestTimeoutMs: 1000, auth: { username: 'connector', password: 's3cret' } });
      assert.equal(valueOf(await authorised.decode(value))['event_id'], event['event_id']);
    } finally {
      await secured.close();
    }
  });
});

describe('RegistryDecoder rejections', () => {
  it('rejects an oversized record locally', async () => {
    const before = registry.requests.length;
    const rejection = rejectionOf(await newDecoder({ maxRecordBytes: 64 }).decode(wireFormat(1, 'x'.repeat(100))));
    assert.equal(rejection.reason, 'record_too_large');
    assert.equal(registry.requests.length, before);
  });

  it('rejects truncated and extended Avro payloads', async () => {
    const decoder = newDecoder();
    const value = await producer.encode('avro', RICH_EVENT);
    assert.equal(rejectionOf(await decoder.decode(value.subarray(0, value.length - 3))).reason, 'schema_payload_invalid');
    assert.equal(rejectionOf(await decoder.decode(Buffer.concat([value, Buffer.from([0])]))).reason, 'schema_payload_invalid');
  });

  it('rejects a memory-exhausting Avro item count', async () => {
    // event_id "e", event_type "t", occurred_at "o" after schema_version 1, then null
    // datamart_id, scope and jurisdiction, then an identifiers block claiming 2^31 items.
    const payload = Buffer.from([0x02, 0x02, 0x65, 0x02, 0x74, 0x02, 0x6f, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x02, 0x61]);
    const started = Date.now();
    const rejection = rejectionOf(await newDecoder().decode(wireFormat(producer.ids.avro, payload)));
    assert.equal(rejection.reason, 'schema_payload_invalid');
    assert.match(rejection.message, /65536 items/);
    assert.ok(Date.now() - started < 1000);
  });

  it('rejects an Avro schema that is not a record', async () => {
    const id = await registerRaw('plain-string', { schema: '"string"' });
    const rejection = rejectionOf(await newDecoder().decode(wireFormat(id, Buffer.from([0x02, 0x61]))));
    assert.equal(rejection.reason, 'not_an_object');
  });

  it('rejects a truncated Protobuf payload', async () => {
    const value = await producer.encode('protobuf', RICH_EVENT);
    const rejection = rejectionOf(await newDecoder().decode(value.subarray(0, value.length - 4)));
    assert.equal(rejection.reason, 'schema_payload_invalid');
  });

  it('rejects JSON Schema payloads as the plain JSON decoder does', async () => {
    const decoder = newDecoder();
    const cases: [string, string][] = [
      ['{"event_id": ', 'invalid_json'],
      ['{"a":1,"a":2}', 'duplicate_key'],
      ['[1]', 'not_an_object'],
    ];
    for (const [payload, reason] of cases) {
      assert.equal(rejectionOf(await decoder.decode(wireFormat(producer.ids.json, payload))).reason, reason, payload);
    }
    assert.equal(rejectionOf(await decoder.decode(wireFormat(producer.ids.json, Buffer.from([0xff, 0xfe])))).reason, 'invalid_utf8');
  });

  it('rejects a schema that does not parse', async () => {
    const id = await registerRaw('broken-avro', { schema: JSON.stringify({ type: 'record', name: 'Broken', fields: [{ name: 'a', type: 'no_such_type' }] }) });
    const rejection = rejectionOf(await newDecoder().decode(wireFormat(id, Buffer.from([0]))));
    assert.equal(rejection.reason, 'unsupported_schema');
  });

  it('rejects a Protobuf schema whose imports cannot be resolved', async () => {
    const schema = 'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage Stamped { google.protobuf.Timestamp at = 1; }\n';
    const id = await registerRaw('stamped', { schemaType: 'PROTOBUF', schema });
    const rejection = rejectionOf(await newDecoder().decode(wireFormat(id, Buffer.from([0]))));
    assert.equal(rejection.reason, 'unsupported_schema');
    assert.match(rejection.message, /google\.protobuf\.Timestamp/);
  });

  it('rejects a schema of an unknown type', async () => {
    registry.script({ path: '/schemas/ids/4242', status: 200, body: { schemaType: 'XML', schema: '<event/>' } });
    const rejection = rejectionOf(await newDecoder().decode(wireFormat(4242, Buffer.from([0]))));
    assert.equal(rejection.reason, 'unsupported_schema');
  });
});

describe('RegistryDecoder Avro normalisation', () => {
  const schema = {
    type: 'record',
    name: 'Edge',
    namespace: 'test.edge',
    fields: [
      { name: 'event_id', type: 'string' },
      { name: 'big', type: 'long' },
      { name: 'small', type: 'long' },
      { name: 'stamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
      {
        name: 'choice',
        type: [
          'null',
          { type: 'record', name: 'Left', fields: [{ name: 'left', type: 'string' }] },
          { type: 'record', name: 'Right', fields: [{ name: 'right', type: 'int' }] },
        ],
      },
      { name: 'maybe', type: ['null', 'string'], default: null },
      { name: 'raw', type: 'bytes' },
      { name: 'digest', type: { type: 'fixed', name: 'Digest', size: 2 } },
      { name: 'tags', type: { type: 'map', values: ['null', 'string'] } },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
      { name: 'list', type: { type: 'array', items: ['null', 'int'] } },
    ],
  };

  it('unwraps unions, drops null fields and keeps 64-bit values exact', async () => {
    const id = await registerRaw('edge-avro', { schema: JSON.stringify(schema) });
    const writer = avro.Type.forSchema(schema as avro.Schema, createAvroDecoderOptions());
    const payload = writer.toBuffer({
      event_id: 'e',
      big: 9_223_372_036_854_775_807n,
      small: -42n,
      stamp: 1_793_610_900_000n,
      choice: { 'test.edge.Right': { right: 5 } },
      maybe: null,
      raw: Buffer.from('hi'),
      digest: Buffer.from([1, 2]),
      tags: { k: null, j: 's' },
      kind: 'B',
      list: [1, null],
    });
    const value = valueOf(await newDecoder().decode(wireFormat(id, payload)));
    assert.deepEqual(value, {
      event_id: 'e',
      big: '9223372036854775807',
      small: -42,
      stamp: 1_793_610_900_000,
      choice: { right: 5 },
      raw: 'aGk=',
      digest: 'AQI=',
      tags: { k: null, j: 's' },
      kind: 'B',
      list: [1, null],
    });
    assert.equal(Object.hasOwn(value, 'maybe'), false);
  });
});

describe('RegistryDecoder Protobuf normalisation', () => {
  const schema = `syntax = "proto3";
package test.edge;

message Edge {
  string event_id = 1 [json_name = "event_id"];
  int64 big = 2;
  uint64 ubig = 3;
  Kind kind = 4;
  bytes raw = 5;
  map<string, int32> counts = 6;
  optional string note = 7;
  Inner inner = 8;
  int32 zero = 9;
  optional int32 opt_zero = 10 [json_name = "opt_zero"];
  repeated string tags = 11;
  string plain_name = 12;
}

enum Kind {
  KIND_UNSPECIFIED = 0;
  KIND_B = 1;
}

message Inner {
  string x = 1;
}
`;
  let id = 0;
  let encoded: Buffer;

  before(async () => {
    id = await registerRaw('edge-protobuf', { schemaType: 'PROTOBUF', schema });
    encoded = await producer.client.encode(id, {
      eventId: 'e',
      big: (protobuf.util.Long as unknown as LongStatic).fromString('9223372036854775807'),
      ubig: (protobuf.util.Long as unknown as LongStatic).fromString('18446744073709551615', true),
      kind: 1,
      raw: Buffer.from('hi'),
      counts: { a: 1 },
      zero: 0,
      optZero: 0,
      tags: [],
      plainName: 'p',
    });
  });

  const expected = {
    event_id: 'e',
    big: '9223372036854775807',
    ubig: '18446744073709551615',
    kind: 'KIND_B',
    raw: 'aGk=',
    counts: { a: 1 },
    opt_zero: 0,
    plainName: 'p',
  };

  it('leaves unset optional and default fields out', async () => {
    assert.equal(encoded.subarray(5)[0] !== 0, true, 'the client writes no message indexes');
    assert.deepEqual(valueOf(await newDecoder().decode(encoded)), expected);
  });

  it('reads Confluent message indexes', async () => {
    const decoder = newDecoder();
    const header = encoded.subarray(0, 5);
    const message = encoded.subarray(5);
    assert.deepEqual(valueOf(await decoder.decode(Buffer.concat([header, Buffer.from([0]), message]))), expected);

    const inner = Buffer.from([0x0a, 0x01, 0x79]);
    assert.deepEqual(valueOf(await decoder.decode(Buffer.concat([header, Buffer.from([0x02, 0x02]), inner]))), { x: 'y' });

    const unknownIndex = rejectionOf(await decoder.decode(Buffer.concat([header, Buffer.from([0x02, 0x0a]), inner])));
    assert.equal(unknownIndex.reason, 'schema_payload_invalid');
    assert.match(unknownIndex.message, /name no message/);

    const cutOff = rejectionOf(await decoder.decode(Buffer.concat([header, Buffer.from([0x04, 0x02])])));
    assert.equal(cutOff.reason, 'schema_payload_invalid');
  });
});

describe('RegistryDecoder schema references', () => {
  it('decodes an Avro schema that references another subject', async () => {
    const purpose = { type: 'record', name: 'Purpose', namespace: 'test.refs', fields: [{ name: 'id', type: 'string' }] };
    await producer.client.register({ type: SchemaType.AVRO, schema: JSON.stringify(purpose) }, { subject: 'test-refs-purpose' });
    const holder = {
      type: 'record',
      name: 'Holder',
      namespace: 'test.refs',
      fields: [{ name: 'purposes', type: { type: 'array', items: 'test.refs.Purpose' } }],
    };
    const { id } = await producer.client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(holder), references: [{ name: 'test.refs.Purpose', subject: 'test-refs-purpose', version: 1 }] },
      { subject: 'test-refs-holder' },
    );
    const value = await producer.client.encode(id, { purposes: [{ id: '3' }] });
    assert.deepEqual(valueOf(await newDecoder().decode(value)), { purposes: [{ id: '3' }] });
  });
});

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
