// SIGKILL at three moments of a window's life (filling, being POSTed, delivered
// but not committed), then a restart. Nothing is lost and the committed offset
// never passes an unsettled record. The restart sends again only what the
// killed process had sent without committing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName, waitFor } from '../../support/kafka.ts';
import {
  Expectations,
  FaultScope,
  ReceivedLines,
  compare,
  deletingIndexes,
  generatedRecords,
  indexRange,
  lineCount,
  reportNumbers,
  sentButUncommitted,
  twoLineIndexes,
  unexplainedDuplicates,
  waitWhileRunning,
  type ConnectorUnderTest,
  type PlannedRecord,
} from '../../support/faults.ts';

const token = 'crash-token-41c7';
const partitions = 2;
// One window; the prefix below fills exactly one, so it is cut and sent at once.
const windowMaxLines = 40;
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

  // One POST at a time, so a process dies with at most one window in flight.
  // The broker's minimum session timeout, so the group notices a killed member sooner.
  const env = (extra: Record<string, string> = {}) =>
    connectorEnv({
      brokers,
      topic,
      groupId,
      apiUrl: standIn.url,
      token,
      extra: { WINDOW_MAX_LINES: String(windowMaxLines), MEDIARITHMICS_MAX_CONCURRENT_EXECUTIONS: '1', KAFKA_SESSION_TIMEOUT_MS: '6000', ...extra },
    });
  const produce = async (plans: PlannedRecord[]) => {
    const produced = await kafka.produce(topic, plans, partitions);
    expectations.add(produced);
    return produced;
  };
  const committed = () => kafka.committedOffsets(groupId, topic);
  const waitForEnd = (description: string, connector: ConnectorUnderTest) => waitWhileRunning([connector], description, () => kafka.committedAtEnd(groupId, topic), 90_000);
  return { kafka, topic, groupId, standIn, expectations, received, monitor, env, produce, committed, waitForEnd };
}

type Scenario = Awaited<ReturnType<typeof setUp>>;

/** End offsets of the prefix: the next offset after its last record, per partition. */
function prefixEnds(prefix: readonly { partition: number; offset: bigint }[]): Map<number, bigint> {
  const ends = new Map<number, bigint>();
  for (const record of prefix) if (record.offset + 1n > (ends.get(record.partition) ?? 0n)) ends.set(record.partition, record.offset + 1n);
  return ends;
}

/** Restarts with the default test settings, waits until everything is committed, and checks the outcome. */
async function restartAndCompare(t: TestContext, scenario: Scenario, crashes: Set<string>[], startedAt: number): Promise<void> {
  const restarted = await scope.launch(scenario.env());
  await scenario.waitForEnd('every offset to be committed after the restart', restarted);
  const exit = await restarted.stop('SIGTERM');
  assert.equal(exit.code, 0);

  await scenario.monitor.stop();
  assert.deepEqual(scenario.monitor.violations, []);
  const comparison = compare(scenario.expectations, scenario.received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.deepEqual(unexplainedDuplicates(comparison, crashes), []);
  assert.ok(comparison.extraCopies <= crashes.length * windowMaxLines, `${comparison.extraCopies} extra copies after ${crashes.length} crash`);
  reportNumbers(t, comparison, startedAt, { crashes: crashes.length, windowMaxLines });
}

test('SIGKILL while a window fills', async (t) => {
  const startedAt = Date.now();
  const scenario = await setUp('kill-filling');
  const { standIn, produce, committed, monitor, topic } = scenario;

  const first = await scope.launch(scenario.env({ WINDOW_MAX_AGE_MS: '60000' }));
  const prefix = await produce(generatedRecords(twoLineIndexes(0, windowMaxLines / 2), topic));
  await scenario.waitForEnd('the full first window to be committed', first);

  // Deleting and skipped events mixed: a skipped record behind an unsettled one must not be committed.
  const filling = await produce(generatedRecords(indexRange(100, 12), topic));
  assert.ok(lineCount(filling) < windowMaxLines);
  await waitFor('the second batch to sit in the open window', async () => (await first.metric('buffered_lines')) === lineCount(filling), 30_000);
  assert.equal(standIn.executions.length, 1, 'only the first window was sent');

  const exit = await first.stop('SIGKILL');
  assert.equal(exit.signal, 'SIGKILL');
  const crash = await sentButUncommitted(scenario.kafka, scenario.groupId, scenario.expectations, scenario.received);
  assert.equal(crash.size, 0, 'nothing was sent without being committed');
  const atCrash = await committed();
  for (const [partition, end] of prefixEnds(prefix)) {
    assert.ok((atCrash.get(partition) ?? -1n) >= end, `partition ${partition} committed ${atCrash.get(partition)}, below the delivered prefix ${end}`);
  }
  await monitor.check();
  assert.deepEqual(monitor.violations, []);

  await restartAndCompare(t, scenario, [crash], startedAt);
});

test('SIGKILL during the POST of a window', async (t) => {
  const startedAt = Date.now();
  const scenario = await setUp('kill-posting');
  const { standIn, produce, committed, monitor, topic } = scenario;

  const first = await scope.launch(scenario.env());
  const prefix = await produce(generatedRecords(twoLineIndexes(0, windowMaxLines / 2), topic));
  await scenario.waitForEnd('the full first window to be committed', first);

  // The API records the next execution on arrival but delays its reply.
  standIn.script({ delayMs: 120_000 });
  const posted = await produce(generatedRecords(deletingIndexes(100, 8), topic));
  await standIn.waitFor(() => standIn.executions.length === 2, 30_000, 'the second execution to arrive');
  assert.equal(standIn.pendingScript().length, 0, 'the delayed reply was used by the second execution');

  await first.stop('SIGKILL');
  const crash = await sentButUncommitted(scenario.kafka, scenario.groupId, scenario.expectations, scenario.received);
  assert.deepEqual([...crash].sort(), posted.flatMap((record) => record.lines).sort(), 'the window in flight is the only one sent and not committed');
  assert.deepEqual(await committed(), prefixEnds(prefix));
  await monitor.check();
  assert.deepEqual(monitor.violations, []);

  await restartAndCompare(t, scenario, [crash], startedAt);
});

test('SIGKILL after the 2xx and before the commit', async (t) => {
  const startedAt = Date.now();
  const scenario = await setUp('kill-uncommitted');
  const { standIn, produce, committed, monitor, topic } = scenario;

  const first = await scope.launch(scenario.env());
  const prefix = await produce(generatedRecords(twoLineIndexes(0, windowMaxLines / 2), topic));
  await scenario.waitForEnd('the full first window to be committed', first);
  assert.equal((await first.stop('SIGTERM')).code, 0);

  // The first commit of a process waits one whole interval, so the delivered window stays uncommitted.
  const second = await scope.launch(scenario.env({ COMMIT_INTERVAL_MS: '120000' }));
  await second.process.waitForLog((line) => line.msg === 'joined consumer group', 30_000);
  const delivered = await produce(generatedRecords(deletingIndexes(100, 8), topic));
  await second.process.waitForLog((line) => line.msg === 'window delivered', 30_000);
  assert.equal(standIn.executions.length, 2);

  await second.stop('SIGKILL');
  const crash = await sentButUncommitted(scenario.kafka, scenario.groupId, scenario.expectations, scenario.received);
  assert.deepEqual([...crash].sort(), delivered.flatMap((record) => record.lines).sort(), 'the delivered window is the only one not committed');
  assert.deepEqual(await committed(), prefixEnds(prefix));
  await monitor.check();
  assert.deepEqual(monitor.violations, []);

  await restartAndCompare(t, scenario, [crash], startedAt);
});
