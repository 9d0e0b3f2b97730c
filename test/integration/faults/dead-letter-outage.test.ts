// Dead letters that Kafka does not acknowledge: first a dead-letter topic that
// does not exist yet, then one that rejects the write (its max.message.bytes is
// below the dead letter's size). Until the dead letter is written, the
// committed offset of its partition stays at the bad record while the records
// after it are delivered. Once the topic is created or fixed, the dead letter
// is written once and every offset is committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName, waitFor } from '../../support/kafka.ts';
import {
  Expectations,
  FaultScope,
  ReceivedLines,
  compare,
  deletingIndexes,
  generatedRecords,
  reportNumbers,
  waitWhileRunning,
  type ConnectorUnderTest,
  type PlannedRecord,
} from '../../support/faults.ts';

const { ConfigResourceTypes } = kafkajs;
const token = 'dlq-outage-token-47e9';
const partitions = 2;
const scope = new FaultScope();

async function setUp(name: string) {
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName(name);
  const dlqTopic = `${topic}-dlq`;
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received, dlqTopic });
  const env = connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { DLQ_TOPIC: dlqTopic } });
  return { kafka, topic, dlqTopic, groupId, standIn, expectations, received, monitor, env };
}

/** Partition 0: two good events, the bad record, eight good events; partition 1: ten good events. */
function plansAround(bad: PlannedRecord, runId: string): PlannedRecord[] {
  const good = generatedRecords(deletingIndexes(0, 20), runId);
  const first = good.slice(0, 10).map((plan) => ({ ...plan, partition: 0 }));
  const second = good.slice(10).map((plan) => ({ ...plan, partition: 1 }));
  return [...first.slice(0, 2), { ...bad, partition: 0 }, ...first.slice(2), ...second];
}

/**
 * Waits until the good records are delivered and the dead letter has failed
 * several more times, then checks that partition 0 is committed up to the bad
 * record and no further. Returns the failed writes counted so far.
 */
async function checkHeldAtBadRecord(scenario: Awaited<ReturnType<typeof setUp>>, connector: ConnectorUnderTest, badOffset: bigint): Promise<number> {
  const { kafka, groupId, topic, expectations, received, monitor } = scenario;
  await waitFor('the good records to be delivered', () => received.update().size === expectations.expectedLines().length, 60_000);
  await waitFor('partition 0 to be committed up to the bad record', async () => (await kafka.committedOffsets(groupId, topic)).get(0) === badOffset, 30_000);
  const failures = (await connector.metric('dead_letter_write_failures_total')) ?? 0;
  await waitFor('three more failed dead-letter writes', async () => ((await connector.metric('dead_letter_write_failures_total')) ?? 0) >= failures + 3, 30_000);

  const committed = await kafka.committedOffsets(groupId, topic);
  assert.equal(committed.get(0), badOffset, 'partition 0 is held at the bad record');
  assert.equal(committed.get(1), 10n, 'partition 1 is not held');
  await monitor.check();
  assert.deepEqual(monitor.violations, []);
  return (await connector.metric('dead_letter_write_failures_total')) ?? 0;
}

test('missing DLQ topic, then created', async (t) => {
  const startedAt = Date.now();
  const scenario = await setUp('dlq-missing');
  const { kafka, topic, dlqTopic, groupId, expectations, received, monitor, env } = scenario;

  const bad: PlannedRecord = { key: 'bad-json', value: '{"event_id": ', expected: 'dead_letter', lines: [] };
  const produced = await kafka.produce(topic, plansAround(bad, topic), partitions);
  expectations.add(produced);
  const badRecord = produced.find((record) => record.key === 'bad-json')!;

  const connector = await scope.launch(env);
  await connector.process.waitForLog((line) => line.msg === 'writing to the output topic failed; retrying, and no offset passes these records meanwhile', 60_000);
  const failures = await checkHeldAtBadRecord(scenario, connector, badRecord.offset);
  assert.equal(await kafka.topicExists(dlqTopic), false, 'the connector did not create the topic');

  await kafka.createTopic(dlqTopic, 1);
  await waitWhileRunning([connector], 'every offset to be committed once the topic exists', () => kafka.committedAtEnd(groupId, topic), 60_000);
  const reader = await scope.deadLetterReader(kafka, dlqTopic);
  await reader.catchUp();
  assert.equal(reader.records.length, 1, 'the dead letter is written once');
  assert.equal(reader.records[0]!.headers['dlq.reason'], 'invalid_json');
  assert.equal(reader.records[0]!.headers['dlq.stage'], 'decode');
  assert.equal(reader.records[0]!.value?.toString(), bad.value);

  assert.equal((await connector.stop('SIGTERM')).code, 0);
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received, reader);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.deepEqual(comparison.missingDeadLetters, []);
  assert.deepEqual(comparison.unexpectedDeadLetters, []);
  assert.equal(comparison.extraCopies, 0);
  reportNumbers(t, comparison, startedAt, { failedWritesBeforeFix: failures });
});

test('DLQ rejects the write, then accepts it', async (t) => {
  const startedAt = Date.now();
  const scenario = await setUp('dlq-too-large');
  const { kafka, topic, dlqTopic, groupId, expectations, received, monitor, env } = scenario;

  // A 4 KiB record that is not JSON; its dead letter cannot fit in 1 KiB.
  await kafka.createTopic(dlqTopic, 1, [{ name: 'max.message.bytes', value: '1024' }]);
  const bad: PlannedRecord = { key: 'too-large-for-dlq', value: `{"padding": "${'x'.repeat(4096)}`, expected: 'dead_letter', lines: [] };
  const produced = await kafka.produce(topic, plansAround(bad, topic), partitions);
  expectations.add(produced);
  const badRecord = produced.find((record) => record.key === 'too-large-for-dlq')!;

  const connector = await scope.launch(env);
  const failures = await checkHeldAtBadRecord(scenario, connector, badRecord.offset);
  assert.deepEqual([...(await kafka.endOffsets(dlqTopic)).values()], [0n], 'the broker stored nothing');
  const rejected = connector.process.logs.filter((line) => line.msg === 'writing to the output topic failed; retrying, and no offset passes these records meanwhile');
  assert.ok(rejected.length > 0);
  for (const line of rejected) assert.match((line.err as { message?: string }).message ?? '', /larger than the max message size/);

  await kafka.useAdmin((admin) =>
    admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: dlqTopic, configEntries: [{ name: 'max.message.bytes', value: '1048576' }] }] }),
  );
  await waitWhileRunning([connector], 'every offset to be committed once the topic accepts the write', () => kafka.committedAtEnd(groupId, topic), 60_000);
  const reader = await scope.deadLetterReader(kafka, dlqTopic);
  await reader.catchUp();
  assert.equal(reader.records.length, 1, 'the dead letter is written once');
  assert.equal(reader.records[0]!.headers['dlq.reason'], 'invalid_json');
  assert.equal(reader.records[0]!.headers['dlq.source.offset'], badRecord.offset.toString());
  assert.equal(reader.records[0]!.value?.toString(), bad.value);
  assert.ok(connector.process.logs.some((line) => line.msg === 'output topic written again after failures'));

  assert.equal((await connector.stop('SIGTERM')).code, 0);
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received, reader);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.deepEqual(comparison.missingDeadLetters, []);
  assert.deepEqual(comparison.unexpectedDeadLetters, []);
  assert.equal(comparison.extraCopies, 0);
  reportNumbers(t, comparison, startedAt, { failedWritesBeforeFix: failures });
});
