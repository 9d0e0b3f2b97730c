// One line of a window that the API rejects with 400 while the connector
// considers it valid. The window is split until that line is sent alone, only
// its event is dead-lettered, and every other line is delivered once.
//
// The rejection comes from the line's content: the connector is pointed at a
// USER_IDENTIFIERS_DELETION import while it maps for USER_POINTS_DELETION, so it
// sends USER_POINT lines, and the stand-in rejects exactly those (a document
// type accepts only its own line types). The stand-in's reply names the bad
// line in invalid_lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalLine } from '../../../scripts/sample-events.ts';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName } from '../../support/kafka.ts';
import { Expectations, FaultScope, ReceivedLines, compare, generatedRecords, reportNumbers, waitWhileRunning, type PlannedRecord } from '../../support/faults.ts';

const token = 'rejected-line-token-6e52';
const partitions = 2;
const datamartId = '1509';
const scope = new FaultScope();

/** Indexes of generated events with a USER_ACCOUNT and a USER_EMAIL line, both valid in a USER_IDENTIFIERS_DELETION import. */
function identifierOnlyIndexes(count: number): number[] {
  const indexes: number[] = [];
  for (let index = 0; indexes.length < count; index += 1) if (index % 6 === 1 || index % 6 === 3) indexes.push(index);
  return indexes;
}

test('400 on one line dead-letters only its event', async (t) => {
  const startedAt = Date.now();
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName('rejected');
  const dlqTopic = `${topic}-dlq`;
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  await kafka.createTopic(dlqTopic, 1);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received, dlqTopic });

  const created = await fetch(`${standIn.url}/v1/datamarts/${datamartId}/document_imports`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ document_type: 'USER_IDENTIFIERS_DELETION', mime_type: 'APPLICATION_X_NDJSON', encoding: 'utf-8', name: 'identifier deletions' }),
  });
  assert.equal(created.status, 200);
  const importId = String(((await created.json()) as { data: { id: string | number } }).data.id);

  const good = generatedRecords(identifierOnlyIndexes(40), topic);
  const badEventId = `${topic}-user-point`;
  const userPointId = '2f1c6b0e-8d4a-4c3b-9e7f-5a6b7c8d9e0f';
  const bad: PlannedRecord = {
    key: badEventId,
    value: JSON.stringify({ event_id: badEventId, event_type: 'erasure.requested', occurred_at: '2026-11-02T09:15:00Z', identifiers: [{ type: 'user_point', user_point_id: userPointId }] }),
    expected: 'dead_letter',
    lines: [],
    partition: 1,
  };
  // The bad record sits in the middle of partition 1, between good ones.
  const plans = [...good.slice(0, 20), bad, ...good.slice(20)];
  const produced = await kafka.produce(topic, plans, partitions);
  expectations.add(produced);
  const badRecord = produced.find((record) => record.key === badEventId)!;

  const connector = await scope.launch(
    connectorEnv({
      brokers,
      topic,
      groupId,
      apiUrl: standIn.url,
      token,
      datamartId,
      extra: { DLQ_TOPIC: dlqTopic, MEDIARITHMICS_DOCUMENT_IMPORT_ID: importId, WINDOW_MAX_LINES: '30' },
    }),
  );
  await waitWhileRunning([connector], 'every offset to be committed', () => kafka.committedAtEnd(groupId, topic), 60_000);

  const reader = await scope.deadLetterReader(kafka, dlqTopic);
  await reader.catchUp();
  assert.equal(reader.records.length, 1, 'one dead letter');
  const letter = reader.records[0]!;
  assert.equal(letter.headers['dlq.stage'], 'deliver');
  assert.equal(letter.headers['dlq.reason'], 'api_rejected_line');
  assert.equal(letter.headers['dlq.http_status'], '400');
  assert.equal(letter.headers['dlq.event_id'], badEventId);
  assert.equal(letter.headers['dlq.source.topic'], topic);
  assert.equal(letter.headers['dlq.source.partition'], String(badRecord.partition));
  assert.equal(letter.headers['dlq.source.offset'], badRecord.offset.toString());
  assert.equal(letter.key?.toString(), badEventId);
  assert.equal(letter.value?.toString(), bad.value);

  // The whole window is rejected once, then the isolated line once more.
  const rejections = standIn.requests.filter((request) => request.status === 400);
  assert.equal(rejections.length, 2);
  assert.equal(await connector.metric('window_splits_total', 'status="400"'), 1);
  const badLine = canonicalLine({ type: 'USER_POINT', user_point_id: userPointId });
  assert.ok(standIn.executions.every((execution) => execution.importId === importId));

  assert.equal((await connector.stop('SIGTERM')).code, 0);
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received, reader);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.equal(comparison.counts.get(badLine), undefined, 'the rejected line was never accepted');
  assert.deepEqual(comparison.missingDeadLetters, []);
  assert.deepEqual(comparison.unexpectedDeadLetters, []);
  assert.equal(comparison.extraCopies, 0, 'every other line is delivered once');
  reportNumbers(t, comparison, startedAt, { rejections: rejections.length });
});
