// A full API outage on the real broker: 503 on the import lookup and the
// execution POST, then 429 with Retry-After, then replies slower than the
// request timeout, then reset connections, then recovery. Nothing is committed
// while no 2xx came back, and the only repeated lines are those of executions
// the API accepted after the connector had given up waiting for the reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalLine } from '../../../scripts/sample-events.ts';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName } from '../../support/kafka.ts';
import {
  Expectations,
  FaultScope,
  ReceivedLines,
  compare,
  deletingIndexes,
  generatedRecords,
  reportNumbers,
  unexplainedDuplicates,
  waitWhileRunning,
} from '../../support/faults.ts';

const token = 'outage-token-93ab';
const partitions = 2;
const windowMaxLines = 50;
const requestTimeoutMs = 1_000;
const scope = new FaultScope();

test('API outage from 503 to resets, then recovery', async (t) => {
  const startedAt = Date.now();
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName('outage');
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received }, 200);

  standIn.script(
    { match: 'document_imports', method: '*', status: 503, times: 3 },
    { status: 503, times: 3 },
    { status: 429, headers: { 'Retry-After': '1' }, times: 2 },
    { delayMs: requestTimeoutMs + 800, times: 2 },
    { drop: true, times: 2 },
  );
  // Only deleting events: no record is settled before a 2xx, so nothing may be committed during the outage.
  expectations.add(await kafka.produce(topic, generatedRecords(deletingIndexes(0, 60), topic), partitions));

  const connector = await scope.launch(
    connectorEnv({
      brokers,
      topic,
      groupId,
      apiUrl: standIn.url,
      token,
      extra: {
        WINDOW_MAX_LINES: String(windowMaxLines),
        MEDIARITHMICS_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
        // One POST at a time, so the scripted replies hit one window in order.
        MEDIARITHMICS_MAX_CONCURRENT_EXECUTIONS: '1',
      },
    }),
  );
  const nothingCommitted = async (phase: string): Promise<void> => {
    for (const [partition, offset] of await kafka.committedOffsets(groupId, topic)) assert.equal(offset, -1n, `partition ${partition} committed during ${phase}`);
  };
  const answered = (status: number) => standIn.requests.filter((request) => request.status === status);

  await standIn.waitFor(() => answered(503).length === 6, 30_000, 'six 503 replies');
  await nothingCommitted('the 503 phase');
  assert.equal(standIn.executions.length, 0);

  await standIn.waitFor(() => answered(429).length === 2, 30_000, 'two 429 replies');
  await nothingCommitted('the 429 phase');
  assert.equal(standIn.executions.length, 0);

  // The stand-in accepts these executions on arrival, but the connector stops waiting before the reply.
  await standIn.waitFor(() => standIn.executions.length === 2, 30_000, 'two executions whose replies come too late');
  await nothingCommitted('the timeout phase');

  await standIn.waitFor(() => standIn.requests.filter((request) => request.dropped).length === 2, 30_000, 'two reset connections');
  await nothingCommitted('the reset phase');
  assert.equal(standIn.executions.length, 2, 'reset connections create no execution');
  assert.deepEqual(monitor.violations, []);

  await waitWhileRunning([connector], 'every offset to be committed after recovery', () => kafka.committedAtEnd(groupId, topic), 90_000);
  assert.deepEqual(standIn.pendingScript(), []);

  // Each POST after a 429 waited the full second the reply asked for.
  const posts = standIn.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/executions'));
  for (const [index, post] of posts.entries()) {
    const next = posts[index + 1];
    if (post.status !== 429 || next === undefined) continue;
    const repliedAt = Date.parse(post.receivedAt) + post.durationMs;
    assert.ok(Date.parse(next.receivedAt) - repliedAt >= 990, `POST ${index + 2} came ${Date.parse(next.receivedAt) - repliedAt} ms after a 429 asking for 1 s`);
  }

  const retries = connector.process.logs.filter((line) => line.msg === 'mediarithmics API call failed; retrying');
  assert.ok(retries.some((line) => line.status === 503 && line.operation === 'resolve_import'), 'the import lookup is retried on 503');
  assert.ok(retries.some((line) => line.status === 503 && line.operation === 'post_execution'), 'the execution POST is retried on 503');
  assert.ok(retries.some((line) => line.status === 429 && line.delayMs === 1000), 'Retry-After of 1 s is honoured');
  assert.ok(retries.some((line) => line.code === 'ERR_MICS_TIMEOUT'));
  assert.ok(retries.some((line) => line.code === 'ERR_MICS_CONNECTION'));

  assert.equal((await connector.stop('SIGTERM')).code, 0);
  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  // A timed-out POST that the API accepted is sent again: one copy per timeout, each at most one window.
  const timedOut = standIn.executions.slice(0, 2).map((execution) => new Set(execution.lines.map((line) => canonicalLine(line as Record<string, unknown>))));
  assert.deepEqual(unexplainedDuplicates(comparison, timedOut), []);
  assert.ok(comparison.extraCopies <= 2 * windowMaxLines);
  reportNumbers(t, comparison, startedAt, { windowMaxLines, timedOutPosts: 2 });
});
