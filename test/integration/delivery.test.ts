// End-to-end delivery on the real broker and the mediarithmics stand-in, with
// the connector running as a child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { createTopic, committedOffsets, endOffsets, offsetsReachEnd, produce, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { canonicalLine, generateEvent } from '../../scripts/sample-events.ts';

const token = 'test-token-7f3a9c';
const running = new Set<ConnectorProcess>();
const standIns = new Set<StandIn>();

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
});

async function newStandIn(): Promise<StandIn> {
  const standIn = await startStandIn({ token, port: 0 });
  standIns.add(standIn);
  return standIn;
}

function launch(env: Record<string, string>): ConnectorProcess {
  const connector = startConnectorProcess(env);
  running.add(connector);
  return connector;
}

/** Counts every line the stand-in accepted, in canonical form. */
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

function eventsFor(count: number, runId: string, keep: (index: number) => boolean = () => true) {
  const generated = [];
  for (let index = 0; index < count; index += 1) if (keep(index)) generated.push(generateEvent(index, runId));
  return generated;
}

test('thousands of events become each line exactly once and offsets reach the end', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('consent');
  const groupId = uniqueName('group');
  await createTopic(topic, 4);
  const standIn = await newStandIn();

  const events = eventsFor(3000, topic);
  await produce(
    topic,
    events.map(({ event }) => ({ key: String(event.event_id), value: JSON.stringify(event) })),
  );
  const expected = new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token }));
  await waitFor('committed offsets to reach the end offsets', () => offsetsReachEnd(groupId, topic), 120_000);

  const received = receivedLineCounts(standIn);
  assert.equal(received.size, expected.size, 'distinct lines received');
  for (const line of expected) assert.equal(received.get(line), 1, `line received once: ${line}`);
  for (const line of received.keys()) assert.ok(expected.has(line), `unexpected line: ${line}`);

  for (const execution of standIn.executions) {
    assert.ok(execution.lines.length <= 500, `execution ${execution.executionId} has ${execution.lines.length} lines`);
    assert.ok(Buffer.byteLength(execution.body) <= 65_536, `execution ${execution.executionId} has ${Buffer.byteLength(execution.body)} bytes`);
    assert.equal(execution.contentType, 'application/x-ndjson');
  }

  const ends = await endOffsets(topic);
  const committed = await committedOffsets(groupId, topic);
  assert.deepEqual([...committed.entries()].sort(), [...ends.entries()].sort());
  const totalRecords = [...ends.values()].reduce((sum, end) => sum + end, 0n);
  assert.equal(totalRecords, 3000n);

  connector.kill('SIGTERM');
  const exit = await connector.exited;
  assert.equal(exit.code, 0);
  assert.ok(!connector.output().includes(token), 'the token never appears in the output');
});

test('API outage: nothing is committed until the API recovers, then everything arrives', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('outage');
  const groupId = uniqueName('group');
  await createTopic(topic, 3);
  const standIn = await newStandIn();
  standIn.script({ status: 500, times: 8 }, { drop: true, times: 6 });

  // Only deleting events, so no partition has a settled prefix during the outage.
  const events = eventsFor(600, topic, (index) => index % 6 < 4);
  await produce(topic, events.map(({ event }) => ({ key: String(event.event_id), value: JSON.stringify(event) })));
  const expected = new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { RETRY_BASE_DELAY_MS: '100', RETRY_MAX_DELAY_MS: '400' } }));

  // While scripted failures remain, nothing may be committed.
  await waitFor('the connector to hit the outage', () => standIn.requests.filter((request) => request.path.endsWith('/executions') && request.method === 'POST').length >= 4, 60_000);
  const duringOutage = await committedOffsets(groupId, topic);
  for (const [partition, offset] of duringOutage) assert.equal(offset, -1n, `partition ${partition} committed during the outage`);
  assert.equal(standIn.executions.length, 0, 'no execution was accepted during the outage');

  await waitFor('committed offsets to reach the end after recovery', () => offsetsReachEnd(groupId, topic), 120_000);
  const received = receivedLineCounts(standIn);
  for (const line of expected) assert.ok((received.get(line) ?? 0) >= 1, `line missing after recovery: ${line}`);
  assert.equal(received.size, expected.size);
  assert.ok(connector.logs.some((line) => line.msg === 'mediarithmics API call failed; retrying'), 'retries are logged');

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('SIGKILL after a delivered window and before its commit re-sends it after restart', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('crash');
  const groupId = uniqueName('group');
  await createTopic(topic, 2);
  const standIn = await newStandIn();

  const events = eventsFor(120, topic, (index) => index % 6 < 4);
  await produce(topic, events.map(({ event }) => ({ key: String(event.event_id), value: JSON.stringify(event) })));
  const expected = new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  // A long commit interval delays the commit after the POST succeeded.
  const env = connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { COMMIT_INTERVAL_MS: '60000', WINDOW_MAX_AGE_MS: '300' } });
  const first = launch(env);
  await first.waitForLog((line) => line.msg === 'window delivered', 60_000);
  await waitFor('every line to be delivered once', () => receivedLineCounts(standIn).size === expected.size, 60_000);
  first.kill('SIGKILL');
  await first.exited;

  const beforeRestart = await committedOffsets(groupId, topic);
  for (const [partition, offset] of beforeRestart) assert.equal(offset, -1n, `partition ${partition} was committed before the kill`);
  const executionsBefore = standIn.executions.length;

  const second = launch({ ...env, COMMIT_INTERVAL_MS: '200' });
  await waitFor('offsets to reach the end after restart', () => offsetsReachEnd(groupId, topic), 120_000);

  const received = receivedLineCounts(standIn);
  for (const line of expected) assert.equal(received.get(line), 2, `line sent once per run: ${line}`);
  assert.ok(standIn.executions.length > executionsBefore, 'the restarted connector sent the window again');

  second.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);
});

test('malformed records between good ones are reported and do not block the partition', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('malformed');
  const groupId = uniqueName('group');
  await createTopic(topic, 1);
  const standIn = await newStandIn();

  const good = [0, 1, 3].map((index) => generateEvent(index, topic));
  await produce(topic, [
    { value: JSON.stringify(good[0]!.event) },
    { value: 'this is not JSON' },
    { value: JSON.stringify(good[1]!.event) },
    { value: JSON.stringify({ event_id: 'no-type', occurred_at: '2026-11-02T09:15:00Z', identifiers: [] }) },
    { value: JSON.stringify(good[2]!.event) },
  ]);
  const expected = new Set(good.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token }));
  await waitFor('the committed offset to pass every record', async () => (await committedOffsets(groupId, topic)).get(0) === 5n, 60_000);

  const received = receivedLineCounts(standIn);
  assert.deepEqual(new Set(received.keys()), expected);

  const reported = connector.logs.filter((line) => line.msg === 'record dead-lettered');
  assert.deepEqual(
    reported.map((line) => [line.offset, line.stage, line.reason]),
    [
      ['1', 'decode', 'invalid_json'],
      ['3', 'validate', reported[1]?.reason],
    ],
  );
  assert.equal(typeof reported[1]?.reason, 'string');
  assert.ok(String(reported[1]?.reason).length > 0);

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);
});

test('records above the fetch limits arrive', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('large');
  const groupId = uniqueName('group');
  await createTopic(topic, 2);
  const standIn = await newStandIn();

  // Each value is about 8 KiB, so every record batch exceeds the 1 KiB
  // partition limit; the broker must still return one batch per fetch.
  const events = eventsFor(40, topic);
  await produce(
    topic,
    events.map(({ event }) => ({ key: String(event.event_id), value: JSON.stringify({ ...event, note: 'x'.repeat(8_000) }) })),
  );
  const expected = new Set(events.flatMap(({ expectedLines }) => expectedLines.map(canonicalLine)));

  launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { KAFKA_FETCH_MAX_BYTES: '65536', KAFKA_FETCH_MAX_BYTES_PER_PARTITION: '1024', WINDOW_MAX_AGE_MS: '500' } }));
  await waitFor('committed offsets to reach the end offsets', () => offsetsReachEnd(groupId, topic), 60_000);

  const received = receivedLineCounts(standIn);
  assert.deepEqual([...received.keys()].sort(), [...expected].sort());
  for (const [line, count] of received) assert.equal(count, 1, `line received once: ${line}`);
});
