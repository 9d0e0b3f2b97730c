// The API side under faults, on the real broker: a refused token, a retry
// storm with Retry-After, and the audit trail of receipts and execution ends.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { createTopic, committedOffsets, endOffsets, offsetsReachEnd, produce, readTopic, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { canonicalLine, generateEvent } from '../../scripts/sample-events.ts';
import { freePort } from '../../scripts/kafka/broker.ts';

const token = 'api-faults-token';
const running = new Set<ConnectorProcess>();
const standIns = new Set<StandIn>();

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
});

async function setUp(partitions: number) {
  const brokers = await testBrokers();
  const topic = uniqueName('api');
  await createTopic(topic, partitions);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);
  return { brokers, topic, groupId: uniqueName('group'), standIn };
}

function launch(env: Record<string, string>): ConnectorProcess {
  const connector = startConnectorProcess(env);
  running.add(connector);
  return connector;
}

function deletingEvents(count: number, runId: string) {
  return Array.from({ length: count }, (_, index) => index)
    .filter((index) => index % 6 < 4)
    .map((index) => generateEvent(index, runId));
}

function receivedLines(standIn: StandIn): string[] {
  return standIn.executions.flatMap((execution) => execution.lines.map((line) => canonicalLine(line as Record<string, unknown>)));
}

test('a refused token pauses delivery without dead letters until it is accepted', async () => {
  const { brokers, topic, groupId, standIn } = await setUp(2);
  const dlqTopic = `${topic}-dlq`;
  await createTopic(dlqTopic, 1);
  standIn.script({ status: 401, body: { status: 'error', error: 'Invalid token' }, times: 6 });

  const events = deletingEvents(60, topic);
  await produce(topic, events.map(({ event }) => ({ value: JSON.stringify(event) })));
  const expected = events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)).sort();

  const httpPort = await freePort();
  const connector = launch(
    connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { DLQ_TOPIC: dlqTopic, AUTH_RETRY_DELAY_MS: '400', HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1' } }),
  );
  await connector.waitForLog((line) => line.msg === 'mediarithmics API rejected the token; consumption paused until it is accepted', 60_000);
  const during = await committedOffsets(groupId, topic);
  for (const [partition, offset] of during) assert.equal(offset, -1n, `partition ${partition} committed while the token was refused`);

  const notReady = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
  assert.equal(notReady.status, 503);
  const body = (await notReady.json()) as { failing: string[] };
  assert.ok(body.failing.includes('api_authorised'), `failing: ${body.failing.join(', ')}`);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);

  await waitFor('offsets to reach the end once the token works', () => offsetsReachEnd(groupId, topic), 90_000);
  assert.deepEqual(receivedLines(standIn).sort(), expected);
  assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
  assert.equal(connector.logs.filter((line) => line.msg === 'mediarithmics API rejected the token; consumption paused until it is accepted').length, 1, 'the refusal is logged once');
  assert.ok(connector.logs.some((line) => line.msg === 'mediarithmics API accepts the token again; consumption resumes'));
  assert.equal(connector.logs.filter((line) => line.msg === 'record dead-lettered').length, 0);
  assert.deepEqual([...(await endOffsets(dlqTopic)).values()], [0n], 'no dead letter was written');

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('503, 429 with Retry-After, timeouts and resets are retried until delivery', async () => {
  const { brokers, topic, groupId, standIn } = await setUp(2);
  standIn.script(
    { status: 503, times: 3 },
    { status: 429, headers: { 'Retry-After': '1' }, times: 2 },
    { delayMs: 3_000, times: 1 },
    { drop: true, times: 2 },
  );

  const events = deletingEvents(60, topic);
  await produce(topic, events.map(({ event }) => ({ value: JSON.stringify(event) })));
  const expected = new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  const started = Date.now();
  const connector = launch(
    connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { MEDIARITHMICS_REQUEST_TIMEOUT_MS: '1000', WINDOW_MAX_LINES: '1000', WINDOW_MAX_AGE_MS: '1000' } }),
  );
  await waitFor('offsets to reach the end after the faults', () => offsetsReachEnd(groupId, topic), 90_000);

  // Two 429 responses each requested a full second.
  assert.ok(Date.now() - started >= 2_000);
  const received = receivedLines(standIn);
  for (const line of expected) assert.ok(received.includes(line), `line missing: ${line}`);
  const retries = connector.logs.filter((line) => line.msg === 'mediarithmics API call failed; retrying');
  assert.ok(retries.some((line) => line.status === 503));
  assert.ok(retries.some((line) => line.status === 429 && line.delayMs === 1000), 'Retry-After of 1 s is honoured beyond RETRY_MAX_DELAY_MS');
  assert.ok(retries.some((line) => line.code === 'ERR_MICS_TIMEOUT'));
  assert.ok(retries.some((line) => line.code === 'ERR_MICS_CONNECTION'));

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('receipts record each event sent and each execution end', async () => {
  const { brokers, topic, groupId, standIn } = await setUp(1);
  const receiptsTopic = `${topic}-receipts`;
  await createTopic(receiptsTopic, 1);
  // The second execution ends with two failed lines.
  standIn.script({ status: 200, times: 1 }, { status: 200, outcome: { totalFailure: 2 }, times: 1 });

  const events = [0, 1, 2, 3].map((index) => generateEvent(index, topic));
  await produce(topic, events.map(({ event }) => ({ key: String(event.event_id), value: JSON.stringify(event) })));

  const connector = launch(
    connectorEnv({
      brokers,
      topic,
      groupId,
      apiUrl: standIn.url,
      token,
      extra: { RECEIPTS_TOPIC: receiptsTopic, WINDOW_MAX_LINES: '4', EXECUTION_FOLLOW_UP_INTERVAL_MS: '200' },
    }),
  );
  await waitFor('offsets to reach the end', () => offsetsReachEnd(groupId, topic), 60_000);

  // 9 lines in windows of 4: three executions; every event is sent, every execution ends.
  const records = await readTopic(receiptsTopic, 4 + 3, 60_000);
  const sent = records.filter((record) => record.headers['receipt.type'] === 'deletion_sent').map((record) => JSON.parse(record.value!.toString()));
  const ended = records.filter((record) => record.headers['receipt.type'] === 'execution_ended').map((record) => JSON.parse(record.value!.toString()));

  assert.deepEqual(sent.map((receipt) => receipt.event_id).sort(), events.map(({ event }) => String(event.event_id)).sort());
  const executionIds = standIn.executions.map((execution) => execution.executionId);
  for (const receipt of sent) {
    assert.equal(receipt.datamart_id, '1509');
    assert.equal(receipt.document_type, 'USER_POINTS_DELETION');
    assert.equal(receipt.document_import_id, standIn.executions[0]!.importId);
    assert.ok(receipt.execution_ids.length >= 1);
    for (const id of receipt.execution_ids) assert.ok(executionIds.includes(id), `unknown execution ${id}`);
    assert.ok(!Number.isNaN(Date.parse(receipt.sent_at)));
    assert.equal(receipt.source.topic, topic);
  }
  assert.equal(sent.reduce((sum, receipt) => sum + receipt.lines, 0), 9);

  assert.deepEqual(ended.map((receipt) => receipt.execution_id).sort(), [...executionIds].sort());
  const failed = ended.filter((receipt) => !receipt.succeeded);
  assert.equal(failed.length, 1);
  assert.equal(failed[0].total_failure, 2);
  assert.ok(connector.logs.some((line) => line.msg === 'execution ended with failures' && line.totalFailure === 2));

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});
