// Records in the Schema Registry wire format on a real broker: Avro, JSON Schema and Protobuf
// mixed with plain JSON on one topic, an unknown schema id, and a registry outage. The connector
// runs as a child process with SCHEMA_REGISTRY_URL pointing at the registry stand-in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { startSchemaRegistry, type SchemaRegistryStandIn } from '../../stand-in/schema-registry/server.ts';
import { createTopic, committedOffsets, endOffsets, offsetsReachEnd, produce, readTopic, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { canonicalLine, generateEvent, type GeneratedEvent } from '../../scripts/sample-events.ts';
import { registerConsentEventSchemas, wireFormat, type RegistryProducer } from '../schemas/registry-producer.ts';

const token = 'registry-test-token';
const running = new Set<ConnectorProcess>();
const closers: (() => Promise<void>)[] = [];

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const close of closers) await close();
});

type RecordFormat = 'json' | 'avro' | 'json-schema' | 'protobuf' | 'protobuf-indexed';

interface Setup {
  brokers: string;
  topic: string;
  dlqTopic: string;
  groupId: string;
  standIn: StandIn;
  registry: SchemaRegistryStandIn;
  producer: RegistryProducer;
}

async function setUp(partitions: number): Promise<Setup> {
  const brokers = await testBrokers();
  const topic = uniqueName('registry');
  const dlqTopic = `${topic}-dlq`;
  await createTopic(topic, partitions);
  await createTopic(dlqTopic, 1);
  const standIn = await startStandIn({ token });
  closers.push(() => standIn.close());
  const registry = await startSchemaRegistry();
  closers.push(() => registry.close());
  const producer = await registerConsentEventSchemas(registry.url, { prefix: topic });
  return { brokers, topic, dlqTopic, groupId: uniqueName('group'), standIn, registry, producer };
}

function launch(setup: Setup): ConnectorProcess {
  const env = connectorEnv({
    brokers: setup.brokers,
    topic: setup.topic,
    groupId: setup.groupId,
    apiUrl: setup.standIn.url,
    token,
    extra: { SCHEMA_REGISTRY_URL: setup.registry.url, DLQ_TOPIC: setup.dlqTopic },
  });
  const connector = startConnectorProcess(env);
  running.add(connector);
  return connector;
}

/** Encodes an event as a record value of the given format. */
async function encode(producer: RegistryProducer, format: RecordFormat, event: Record<string, unknown>): Promise<Buffer> {
  switch (format) {
    case 'json':
      return Buffer.from(JSON.stringify(event), 'utf8');
    case 'avro':
      return producer.encode('avro', event);
    case 'json-schema':
      return producer.encode('json', event);
    case 'protobuf':
      return producer.encode('protobuf', event);
    case 'protobuf-indexed': {
      // Confluent's serializers put the message index of the first message, a 0 byte, after the schema id.
      const value = await producer.encode('protobuf', event);
      return Buffer.concat([value.subarray(0, 5), Buffer.from([0]), value.subarray(5)]);
    }
  }
}

async function messagesFor(producer: RegistryProducer, events: GeneratedEvent[], formatOf: (index: number) => RecordFormat): Promise<Message[]> {
  const messages: Message[] = [];
  for (const [index, { event }] of events.entries()) {
    messages.push({ key: String(event['event_id']), value: await encode(producer, formatOf(index), event) });
  }
  return messages;
}

/** Waits like waitFor, and adds the end of the connector's output to a timeout error. */
async function waitWithOutput<T>(connector: ConnectorProcess, description: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  try {
    return await waitFor(description, check, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nconnector output tail:\n${connector.output().slice(-6000)}`);
  }
}

function receivedLineCounts(standIn: StandIn): Map<string, number> {
  const counts = new Map<string, number>();
  for (const execution of standIn.executions) {
    for (const line of execution.lines) {
      const key = canonicalLine(line as Record<string, unknown>);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function expectedLinesOf(events: GeneratedEvent[]): Set<string> {
  return new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));
}

async function recordCount(topic: string): Promise<bigint> {
  return [...(await endOffsets(topic)).values()].reduce((sum, end) => sum + end, 0n);
}

test('wire formats mixed with JSON are delivered', async () => {
  const setup = await setUp(3);
  const formats: RecordFormat[] = ['json', 'avro', 'json-schema', 'protobuf', 'protobuf-indexed'];
  const events = Array.from({ length: 300 }, (_, index) => generateEvent(index, setup.topic));
  await produce(setup.topic, await messagesFor(setup.producer, events, (index) => formats[index % formats.length]!));
  const expected = expectedLinesOf(events);

  const connector = launch(setup);
  await waitWithOutput(connector, 'committed offsets to reach the end offsets', () => offsetsReachEnd(setup.groupId, setup.topic), 120_000);

  const received = receivedLineCounts(setup.standIn);
  assert.equal(received.size, expected.size, 'distinct lines received');
  for (const line of expected) assert.equal(received.get(line), 1, `line received once: ${line}`);
  for (const line of received.keys()) assert.ok(expected.has(line), `unexpected line: ${line}`);

  const ends = await endOffsets(setup.topic);
  const committed = await committedOffsets(setup.groupId, setup.topic);
  assert.deepEqual([...committed.entries()].sort(), [...ends.entries()].sort());
  assert.equal(await recordCount(setup.dlqTopic), 0n, 'no record was dead-lettered');

  const lookups = setup.registry.requests.filter((request) => request.path.startsWith('/schemas/ids/'));
  assert.ok(lookups.length <= 3 * 3, `the connector cached the three schemas (${lookups.length} lookups)`);

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('unknown schema id is dead-lettered', async () => {
  const setup = await setUp(1);
  const good = [0, 1, 3].map((index) => generateEvent(index, setup.topic));
  const unknown = wireFormat(987_654, Buffer.from([0x02, 0x04, 0x65, 0x31]));
  const truncatedAvro = (await setup.producer.encode('avro', good[1]!.event)).subarray(0, 12);
  await produce(setup.topic, [
    { key: 'k-json', value: JSON.stringify(good[0]!.event) },
    { key: 'k-unknown', value: unknown, headers: { 'trace-id': 'trace-42' } },
    { key: 'k-avro', value: await setup.producer.encode('avro', good[1]!.event) },
    { key: 'k-truncated', value: truncatedAvro },
    { key: 'k-protobuf', value: await setup.producer.encode('protobuf', good[2]!.event) },
  ]);

  const connector = launch(setup);
  await waitWithOutput(connector, 'every offset to be committed', async () => (await committedOffsets(setup.groupId, setup.topic)).get(0) === 5n, 90_000);

  const letters = await readTopic(setup.dlqTopic, 2);
  assert.equal(letters.length, 2);
  const [unknownLetter, truncatedLetter] = letters;

  assert.equal(unknownLetter!.key?.toString(), 'k-unknown');
  assert.ok(unknownLetter!.value?.equals(unknown), 'the value bytes are kept as produced');
  assert.equal(unknownLetter!.headers['trace-id'], 'trace-42');
  assert.equal(unknownLetter!.headers['dlq.reason'], 'unknown_schema_id');
  assert.equal(unknownLetter!.headers['dlq.stage'], 'decode');
  assert.equal(unknownLetter!.headers['dlq.source.topic'], setup.topic);
  assert.equal(unknownLetter!.headers['dlq.source.partition'], '0');
  assert.equal(unknownLetter!.headers['dlq.source.offset'], '1');

  assert.equal(truncatedLetter!.key?.toString(), 'k-truncated');
  assert.ok(truncatedLetter!.value?.equals(truncatedAvro));
  assert.equal(truncatedLetter!.headers['dlq.reason'], 'schema_payload_invalid');
  assert.equal(truncatedLetter!.headers['dlq.stage'], 'decode');
  assert.equal(truncatedLetter!.headers['dlq.source.offset'], '3');

  const received = [...receivedLineCounts(setup.standIn).keys()].sort();
  assert.deepEqual(received, [...expectedLinesOf(good)].sort());

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('registry outage delays delivery without loss', async () => {
  const setup = await setUp(1);
  // Only deleting events, so that every record has lines to wait for.
  const events = Array.from({ length: 12 }, (_, index) => generateEvent(index, setup.topic)).filter((generated) => generated.expectedLines.length > 0);
  const formats: RecordFormat[] = ['json', 'json', 'avro', 'json', 'protobuf', 'json-schema', 'json', 'protobuf-indexed'];
  await produce(setup.topic, await messagesFor(setup.producer, events, (index) => formats[index] ?? 'json'));
  const firstWireOffset = 2n;
  const expected = expectedLinesOf(events);

  // Dropped connections first, then 503 responses, for 15 seconds from now.
  setup.registry.script({ path: '/schemas/ids/', drop: true, times: 3 }, { path: '/schemas/ids/', status: 503, forMs: 15_000 });
  const connector = launch(setup);

  await waitWithOutput(
    connector,
    'the connector to meet the outage',
    () => setup.registry.requests.filter((request) => request.scripted && request.status === 503).length >= 2,
    60_000,
  );
  for (let sample = 0; sample < 4; sample++) {
    const committed = (await committedOffsets(setup.groupId, setup.topic)).get(0) ?? -1n;
    assert.ok(committed <= firstWireOffset, `offset ${committed} was committed past the first wire format record during the outage`);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  assert.equal(setup.registry.pendingScript().length, 1, 'the samples above were taken during the outage');
  assert.equal(await recordCount(setup.dlqTopic), 0n, 'no dead letter during the outage');
  assert.ok(setup.registry.requests.some((request) => request.dropped), 'the connector met dropped connections');

  await waitWithOutput(connector, 'committed offsets to reach the end after the outage', () => offsetsReachEnd(setup.groupId, setup.topic), 90_000);
  const received = receivedLineCounts(setup.standIn);
  for (const line of expected) assert.ok((received.get(line) ?? 0) >= 1, `line missing after the outage: ${line}`);
  for (const line of received.keys()) assert.ok(expected.has(line), `unexpected line: ${line}`);
  assert.equal(await recordCount(setup.dlqTopic), 0n, 'no dead letter after the outage');

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});
