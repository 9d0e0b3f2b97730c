// Group membership changes mid-stream. With events still arriving, a second
// connector joins and later leaves with SIGTERM, and a third joins and is
// killed with SIGKILL. Every record ends delivered, the committed offsets reach
// the end offsets, and repeated lines stay within one window per crash or
// revocation. The same bound holds when a member loses partitions while windows
// wait in its delivery queue. The last tests check that a member reports lag
// and revocations only for partitions it owns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName, waitFor } from '../../support/kafka.ts';
import {
  Expectations,
  FaultScope,
  ReceivedLines,
  compare,
  generatedRecords,
  indexRange,
  logCount,
  reportNumbers,
  sentButUncommitted,
  waitWhileRunning,
  type ConnectorUnderTest,
} from '../../support/faults.ts';

const token = 'group-token-0d8e';
const partitions = 6;
const windowMaxLines = 40;
const revokedMessage = 'partitions revoked; nothing more is committed for them, and their unsettled records are read again by the new owner';
const scope = new FaultScope();

async function setUp(name: string) {
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName(name);
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received });
  const env = connectorEnv({
    brokers,
    topic,
    groupId,
    apiUrl: standIn.url,
    token,
    extra: {
      WINDOW_MAX_LINES: String(windowMaxLines),
      // One POST at a time per member, so a member dies with at most one window in flight.
      MEDIARITHMICS_MAX_CONCURRENT_EXECUTIONS: '1',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    },
  });
  const members: ConnectorUnderTest[] = [];
  /** Starts one more member and waits until it delivered a window, or only until it joined the group. */
  const join = async (until: 'delivered' | 'joined' = 'delivered'): Promise<ConnectorUnderTest> => {
    const member = await scope.launch(env);
    members.push(member);
    const awaited = until === 'delivered' ? 'window delivered' : 'joined consumer group';
    await member.process.waitForLog((line) => line.msg === awaited, 60_000);
    return member;
  };
  return { kafka, topic, groupId, standIn, expectations, received, monitor, members, join };
}

test('members join, leave and crash mid-stream', async (t) => {
  const startedAt = Date.now();
  const { kafka, topic, groupId, standIn, expectations, received, monitor, members, join } = await setUp('membership');

  // Each execution reply takes 150 ms: about 260 lines/s per member, above the 180 lines/s produced.
  standIn.script({ delayMs: 150, times: 100_000 });
  const stream = scope.eventStream(kafka, expectations, { partitions, firstIndex: 0, batchSize: 60, intervalMs: 500 });

  const first = await join();
  await waitFor('the first member to deliver for two seconds', () => received.update().size >= 300, 30_000);

  const second = await join();
  const secondExit = await second.stop('SIGTERM');
  assert.equal(secondExit.code, 0, 'the leaving member drained and committed');

  const third = await join();
  // Kill between two commits: after one of its commits, while its next window is in flight.
  const commitsBefore = (await third.metric('offset_commits_total')) ?? 0;
  await waitFor('a commit of the third member', async () => ((await third.metric('offset_commits_total')) ?? 0) > commitsBefore, 30_000, 50);
  await third.stop('SIGKILL');
  const crash = await sentButUncommitted(kafka, groupId, expectations, received);
  await stream.stop();

  await waitWhileRunning([first], 'every offset to be committed', () => kafka.committedAtEnd(groupId, topic), 120_000);
  assert.equal((await first.stop('SIGTERM')).code, 0);

  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.deepEqual(await kafka.committedOffsets(groupId, topic), await kafka.endOffsets(topic));

  // The first member loses partitions twice: when the second joins and when the third joins.
  const revocations = 2;
  const crashes = 1;
  reportNumbers(t, comparison, startedAt, { windowMaxLines, crashes, revocations, revokedLogLines: logCount(members, revokedMessage), sentUncommittedAtCrash: crash.size });
  assert.ok(
    comparison.extraCopies <= (crashes + revocations) * windowMaxLines,
    `${comparison.extraCopies} extra copies, more than one window of ${windowMaxLines} lines for each of ${crashes} crash and ${revocations} revocations`,
  );
});

test('revocation while windows wait in the queue', async (t) => {
  const startedAt = Date.now();
  const { kafka, topic, groupId, standIn, expectations, received, monitor, members, join } = await setUp('queued');

  // A backlog that the first member reads at once and delivers slowly: 300 ms per window.
  standIn.script({ delayMs: 300, times: 100_000 });
  expectations.add(await kafka.produce(topic, generatedRecords(indexRange(0, 600), topic), partitions));
  const first = await join();
  await waitFor('the backlog to be read', async () => (await first.metric('events_consumed_total', `topic="${topic}"`)) === 600, 30_000);

  const second = await join();
  await waitWhileRunning([first, second], 'every offset to be committed', () => kafka.committedAtEnd(groupId, topic), 120_000);
  assert.equal((await second.stop('SIGTERM')).code, 0);
  assert.equal((await first.stop('SIGTERM')).code, 0);

  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);

  const revocations = 1;
  reportNumbers(t, comparison, startedAt, { windowMaxLines, revocations, revokedLogLines: logCount(members, revokedMessage) });
  assert.ok(
    comparison.extraCopies <= revocations * windowMaxLines,
    `${comparison.extraCopies} extra copies, more than one window of ${windowMaxLines} lines for ${revocations} revocation`,
  );
});

/** Partitions of each 'joined consumer group' log line of a member, in order. */
function assignments(member: ConnectorUnderTest): number[][] {
  return member.process.logs
    .filter((line) => line.msg === 'joined consumer group')
    .map((line) => (line.assignment as { partition: number }[]).map((entry) => entry.partition).sort());
}

test('lag gauge covers owned partitions only', async () => {
  const { kafka, topic, expectations, members, join } = await setUp('lag');
  expectations.add(await kafka.produce(topic, generatedRecords(indexRange(0, 60), topic), partitions));

  const first = await join('joined');
  await join('joined');
  await waitFor('the first member to rejoin with half of the partitions', () => assignments(first).at(-1)?.length === partitions / 2, 30_000);
  const owned = assignments(first).at(-1)!;

  let scrapes = 0;
  const lagPartitions = new Set<number>();
  await waitFor(
    'ten scrapes of the first member',
    async () => {
      for (const name of (await first.metrics()).keys()) {
        const match = /^mediarithmics_deletion_connector_consumer_lag\{.*partition="(\d+)"/.exec(name);
        if (match) lagPartitions.add(Number(match[1]));
      }
      scrapes += 1;
      return scrapes >= 10;
    },
    30_000,
    200,
  );
  assert.deepEqual([...lagPartitions].sort(), owned, 'consumer_lag partitions of the first member');
  for (const member of members) assert.equal((await member.stop('SIGTERM')).code, 0);
});

test('revocations name owned partitions only', async () => {
  const { kafka, topic, expectations, members, join } = await setUp('revoked');
  expectations.add(await kafka.produce(topic, generatedRecords(indexRange(0, 60), topic), partitions));

  const first = await join('joined');
  await join('joined');
  await waitFor('the first member to rejoin with half of the partitions', () => assignments(first).length >= 2, 30_000);
  await join('joined');
  await waitFor('the first member to rejoin a third time', () => assignments(first).length >= 3, 30_000);

  // Each revocation names only partitions of the assignment before it.
  let previous: number[] = [];
  let current: number[] = [];
  let revocations = 0;
  for (const line of first.process.logs) {
    if (line.msg === 'joined consumer group') {
      previous = current;
      current = (line.assignment as { partition: number }[]).map((entry) => entry.partition);
    } else if (line.msg === revokedMessage) {
      revocations += 1;
      for (const { partition } of line.lost as { partition: number }[]) {
        assert.ok(previous.includes(partition), `partition ${partition} reported lost, but the member owned only ${previous.join(', ')}`);
      }
    }
  }
  // Two joins usually give two revocations, but the broker may fold them into
  // one rebalance; what matters is that every revocation is checked above.
  assert.ok(revocations >= 1, `revocations seen: ${revocations}`);
  for (const member of members) assert.equal((await member.stop('SIGTERM')).code, 0);
});
