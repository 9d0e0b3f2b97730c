// Dead letters on a real Kafka topic: their content and headers, and the rule
// that no offset passes a record whose dead letter is not acknowledged.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { createTopic, committedOffsets, produce, readTopic, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { canonicalLine, generateEvent } from '../../scripts/sample-events.ts';

const token = 'dlq-test-token';
const running = new Set<ConnectorProcess>();
const standIns = new Set<StandIn>();

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
});

async function setUp(partitions: number): Promise<{ brokers: string; topic: string; dlqTopic: string; groupId: string; standIn: StandIn }> {
  const brokers = await testBrokers();
  const topic = uniqueName('source');
  await createTopic(topic, partitions);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);
  return { brokers, topic, dlqTopic: `${topic}-dlq`, groupId: uniqueName('group'), standIn };
}

function launch(env: Record<string, string>): ConnectorProcess {
  const connector = startConnectorProcess(env);
  running.add(connector);
  return connector;
}

test('bad records land in the DLQ with their bytes, headers and reason', async () => {
  const { brokers, topic, dlqTopic, groupId, standIn } = await setUp(1);
  await createTopic(dlqTopic, 1);

  const good = generateEvent(0, topic);
  const noIdentifiers = { event_id: 'evt-unusable', event_type: 'erasure.requested', occurred_at: '2026-11-02T09:15:00Z', identifiers: [{ type: 'fax', number: '1' }] };
  await produce(topic, [
    { key: 'k-bad-json', value: '{"event_id": ', headers: { 'trace-id': 'abc-123' } },
    { key: 'k-good', value: JSON.stringify(good.event) },
    { key: 'k-no-offset', value: JSON.stringify({ ...good.event, event_id: 'evt-no-offset', occurred_at: '2026-11-02T09:15:00' }) },
    { key: null, value: JSON.stringify(noIdentifiers) },
    { key: 'k-tombstone', value: null },
  ]);

  const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { DLQ_TOPIC: dlqTopic } }));
  await waitFor('every offset to be committed', async () => (await committedOffsets(groupId, topic)).get(0) === 5n, 60_000);

  const letters = await readTopic(dlqTopic, 3);
  assert.equal(letters.length, 3);
  const [badJson, noOffset, unusable] = letters;

  assert.equal(badJson!.key?.toString(), 'k-bad-json');
  assert.equal(badJson!.value?.toString(), '{"event_id": ');
  assert.equal(badJson!.headers['trace-id'], 'abc-123');
  assert.equal(badJson!.headers['dlq.source.topic'], topic);
  assert.equal(badJson!.headers['dlq.source.partition'], '0');
  assert.equal(badJson!.headers['dlq.source.offset'], '0');
  assert.match(badJson!.headers['dlq.source.timestamp']!, /^\d{13}$/);
  assert.equal(badJson!.headers['dlq.stage'], 'decode');
  assert.equal(badJson!.headers['dlq.reason'], 'invalid_json');
  assert.ok(badJson!.headers['dlq.message']!.length > 0);
  assert.equal(badJson!.headers['dlq.event_id'], undefined);

  assert.equal(noOffset!.headers['dlq.source.offset'], '2');
  assert.equal(noOffset!.headers['dlq.stage'], 'validate');
  assert.equal(noOffset!.headers['dlq.reason'], 'invalid_timestamp');

  assert.equal(unusable!.key, null);
  assert.equal(unusable!.headers['dlq.source.offset'], '3');
  assert.equal(unusable!.headers['dlq.stage'], 'map');
  assert.equal(unusable!.headers['dlq.reason'], 'no_usable_identifier');
  assert.equal(unusable!.headers['dlq.event_id'], 'evt-unusable');

  const received = standIn.executions.flatMap((execution) => execution.lines.map((line) => canonicalLine(line as Record<string, unknown>)));
  assert.deepEqual(received.sort(), good.expectedLines.map(canonicalLine).sort());

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('a missing DLQ topic holds the offset until the topic exists', async () => {
  const { brokers, topic, dlqTopic, groupId, standIn } = await setUp(1);
  const events = [0, 1, 2].map((index) => generateEvent(index, topic));
  await produce(topic, [
    { value: JSON.stringify(events[0]!.event) },
    { value: 'not json' },
    { value: JSON.stringify(events[1]!.event) },
    { value: JSON.stringify(events[2]!.event) },
  ]);

  const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { DLQ_TOPIC: dlqTopic } }));
  await connector.waitForLog((line) => line.msg === 'writing to the output topic failed; retrying, and no offset passes these records meanwhile', 60_000);
  await waitFor('the good events to be delivered', () => standIn.executions.reduce((sum, execution) => sum + execution.lines.length, 0) >= 6, 60_000);

  // The record before the bad one is settled; nothing past the bad one may be committed.
  await waitFor('the prefix before the bad record to be committed', async () => (await committedOffsets(groupId, topic)).get(0) === 1n, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal((await committedOffsets(groupId, topic)).get(0), 1n);

  await createTopic(dlqTopic, 1);
  await waitFor('every offset to be committed once the DLQ exists', async () => (await committedOffsets(groupId, topic)).get(0) === 4n, 90_000);
  const letters = await readTopic(dlqTopic, 1);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.headers['dlq.source.offset'], '1');
  assert.equal(letters[0]!.value?.toString(), 'not json');

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});
