// A backlog far larger than the connector's memory bounds, behind a slow API.
// It is drained completely, and the buffered_lines and buffered_bytes gauges
// never pass their bound by more than one event. The resident memory of the
// connector process stays under a fixed ceiling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorEnv } from '../../support/connector-process.ts';
import { testBrokers, uniqueName } from '../../support/kafka.ts';
import {
  Expectations,
  FaultScope,
  ReceivedLines,
  compare,
  generatedRecords,
  indexRange,
  paddedRecords,
  reportNumbers,
  residentMemoryBytes,
  waitWhileRunning,
} from '../../support/faults.ts';

const token = 'backlog-token-5c3b';
const partitions = 4;
const maxBufferedLines = 2_000;
const maxBufferedBytes = 1024 * 1024;
const windowMaxLines = 500;
// The maximum number of lines of a generated event.
const maxEventLines = 3;
// The memory request of deploy/kubernetes/deployment.yaml, sized there for the
// default buffers (100,000 lines, 32 MiB). With buffers far smaller the process
// must fit in it. NOTE: this test peaked at 300 to 330 MiB (Node.js 24.21, Linux
// x86-64, 2 cores). Most of that is the runtime, kafkajs fetch buffers and
// garbage not yet collected, so the ceiling catches a large leak, not a small one.
const maxResidentBytes = 384 * 1024 * 1024;
const scope = new FaultScope();

test('backlog beyond the memory bounds drains', async (t) => {
  const startedAt = Date.now();
  const brokers = await testBrokers();
  const kafka = scope.kafka(brokers);
  const topic = uniqueName('backlog');
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received }, 1_000);

  // Each execution reply takes 300 ms.
  standIn.script({ delayMs: 300, times: 100_000 });
  // Small events first, which reach MAX_BUFFERED_LINES first; then events
  // padded to 32 KB, which reach MAX_BUFFERED_BYTES first.
  const small = generatedRecords(indexRange(0, 13_500), topic);
  const large = paddedRecords(generatedRecords(indexRange(13_500, 1_000), topic), 32_000);
  expectations.add(await kafka.produce(topic, small, partitions));
  expectations.add(await kafka.produce(topic, large, partitions));
  const totalLines = expectations.expectedLines().length;
  const totalBytes = [...small, ...large].reduce((sum, record) => sum + (record.value?.length ?? 0), 0);
  assert.ok(totalLines >= 10 * maxBufferedLines, `${totalLines} lines`);
  assert.ok(totalBytes >= 10 * maxBufferedBytes, `${totalBytes} bytes`);
  // The connector counts an event's value and its lines; three lines take less than 1 KiB.
  const maxEventBytes = Math.max(...large.map((record) => record.value?.length ?? 0)) + 1_024;

  const connector = await scope.launch(
    connectorEnv({
      brokers,
      topic,
      groupId,
      apiUrl: standIn.url,
      token,
      extra: {
        MAX_BUFFERED_LINES: String(maxBufferedLines),
        MAX_BUFFERED_BYTES: String(maxBufferedBytes),
        WINDOW_MAX_LINES: String(windowMaxLines),
        // MAX_BUFFERED_BYTES must be at least WINDOW_MAX_BYTES.
        WINDOW_MAX_BYTES: String(256 * 1024),
      },
    }),
  );

  let peakLines = 0;
  let peakBytes = 0;
  let peakResident = 0;
  let scrapes = 0;
  let pausedScrapes = 0;
  let drained = false;
  const sampler = (async () => {
    while (!drained && connector.process.child.exitCode === null) {
      const resident = residentMemoryBytes(connector.pid);
      if (resident !== undefined) peakResident = Math.max(peakResident, resident);
      const metrics = await connector.metrics().catch(() => undefined);
      if (metrics) {
        scrapes += 1;
        peakLines = Math.max(peakLines, metrics.get('mediarithmics_deletion_connector_buffered_lines') ?? 0);
        peakBytes = Math.max(peakBytes, metrics.get('mediarithmics_deletion_connector_buffered_bytes') ?? 0);
        if (metrics.get('mediarithmics_deletion_connector_consumption_paused') === 1) pausedScrapes += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  try {
    await waitWhileRunning([connector], 'the backlog to be drained', () => kafka.committedAtEnd(groupId, topic), 240_000);
  } finally {
    drained = true;
    await sampler;
  }
  assert.equal((await connector.stop('SIGTERM')).code, 0);

  await monitor.stop();
  const comparison = compare(expectations, received);
  reportNumbers(t, comparison, startedAt, {
    backlogMiB: Math.round(totalBytes / 1024 / 1024),
    peakBufferedLines: peakLines,
    peakBufferedBytes: peakBytes,
    peakResidentMiB: Math.round(peakResident / 1024 / 1024),
    scrapes,
    pausedScrapes,
  });
  assert.deepEqual(monitor.violations, []);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.equal(comparison.extraCopies, 0);

  assert.ok(scrapes > 10, `${scrapes} scrapes`);
  assert.ok(pausedScrapes > 0, 'the bounds paused consumption at least once');
  assert.ok(peakLines <= maxBufferedLines + maxEventLines, `buffered_lines peaked at ${peakLines}`);
  assert.ok(peakBytes <= maxBufferedBytes + maxEventBytes, `buffered_bytes peaked at ${peakBytes}`);
  assert.ok(peakResident > 0, 'the resident memory was read');
  assert.ok(peakResident <= maxResidentBytes, `resident memory peaked at ${Math.round(peakResident / 1024 / 1024)} MiB`);
});
