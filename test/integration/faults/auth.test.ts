// A token the API rejects for a while. Consumption pauses, nothing is committed
// or dead-lettered, and readiness fails. Once the token is accepted again, every
// line is delivered once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName } from '../../support/kafka.ts';
import { Expectations, FaultScope, ReceivedLines, compare, deletingIndexes, generatedRecords, reportNumbers, waitWhileRunning } from '../../support/faults.ts';

const token = 'auth-token-c2f0';
const partitions = 2;
const tokenRejectedLog = 'mediarithmics API rejected the token; consumption paused until it is accepted';
const scope = new FaultScope();

test('refused token pauses until accepted', async (t) => {
  const startedAt = Date.now();
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName('auth');
  const dlqTopic = `${topic}-dlq`;
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  await kafka.createTopic(dlqTopic, 1);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received, dlqTopic });

  // Every route refuses the token for about 5 s (12 requests, 400 ms apart).
  standIn.script({ match: 'any', status: 401, body: { status: 'error', error: 'Invalid token' }, times: 12 });
  expectations.add(await kafka.produce(topic, generatedRecords(deletingIndexes(0, 60), topic), partitions));

  const connector = await scope.launch(
    connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { DLQ_TOPIC: dlqTopic, AUTH_RETRY_DELAY_MS: '400', WINDOW_MAX_LINES: '50' } }),
  );
  await connector.process.waitForLog((line) => line.msg === tokenRejectedLog, 60_000);

  const notReady = await connector.readyStatus();
  assert.equal(notReady.status, 503);
  assert.deepEqual(notReady.failing, ['api_authorised']);
  assert.equal(await connector.metric('consumption_paused'), 1);
  for (const [partition, offset] of await kafka.committedOffsets(groupId, topic)) assert.equal(offset, -1n, `partition ${partition} committed while the token was refused`);
  assert.equal(standIn.executions.length, 0);
  assert.ok(standIn.pendingScript().length > 0, 'the checks above ran while the token was still refused');

  await waitWhileRunning([connector], 'every offset to be committed once the token works', () => kafka.committedAtEnd(groupId, topic), 90_000);
  assert.equal((await connector.readyStatus()).status, 200);
  assert.equal(await connector.metric('consumption_paused'), 0);
  assert.equal(connector.process.logs.filter((line) => line.msg === tokenRejectedLog).length, 1, 'the refusal is logged once');
  assert.equal(connector.process.logs.filter((line) => line.msg === 'record dead-lettered').length, 0);
  assert.deepEqual([...(await kafka.endOffsets(dlqTopic)).values()], [0n], 'no dead letter was written');

  assert.equal((await connector.stop('SIGTERM')).code, 0);
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.equal(comparison.extraCopies, 0, 'no process died, so no line is sent twice');
  reportNumbers(t, comparison, startedAt, { refusals: 12 });
});
