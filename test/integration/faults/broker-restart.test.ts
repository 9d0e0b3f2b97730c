// The Kafka broker stops and starts again (same port, same log directory)
// while the connector is delivering a backlog: commits fail meanwhile and are
// retried, nothing is lost, and the committed offsets reach the end offsets.
// This file runs a broker of its own so that stopping it affects no other test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../../scripts/kafka/broker.ts';
import { connectorEnv } from '../../support/connector-process.ts';
import { uniqueName, waitFor } from '../../support/kafka.ts';
import { Expectations, FaultScope, ReceivedLines, compare, generatedRecords, indexRange, reportNumbers, waitWhileRunning } from '../../support/faults.ts';

const token = 'broker-restart-token-8b14';
const partitions = 3;
const windowMaxLines = 40;
const scope = new FaultScope();

test('broker stop and restart mid-stream', async (t) => {
  const startedAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kafka-restart-'));
  scope.trackDirectory(dir);
  const broker = await startBroker({ dir });
  scope.trackBroker(broker);

  const kafka = scope.kafka(broker.bootstrap);
  const topic = uniqueName('restart');
  const groupId = uniqueName('group');
  await kafka.createTopic(topic, partitions);
  const standIn = await scope.standIn({ token });
  const expectations = new Expectations(topic);
  const received = new ReceivedLines(standIn);
  const monitor = scope.monitor({ kafka, groupId, expectations, received });

  // 200 ms per execution reply: the backlog takes about ten seconds to deliver.
  standIn.script({ delayMs: 200, times: 100_000 });
  expectations.add(await kafka.produce(topic, generatedRecords(indexRange(0, 900), topic), partitions));
  const connector = await scope.launch(
    connectorEnv({ brokers: broker.bootstrap, topic, groupId, apiUrl: standIn.url, token, extra: { WINDOW_MAX_LINES: String(windowMaxLines), MEDIARITHMICS_MAX_CONCURRENT_EXECUTIONS: '1' } }),
  );
  const total = expectations.expectedLines().length;
  await waitFor('a quarter of the lines to be delivered', () => received.update().size >= total / 4, 60_000);
  await waitFor('a first commit', async () => [...(await kafka.committedOffsets(groupId, topic)).values()].some((offset) => offset > 0n), 30_000);

  await broker.stop();
  const stoppedAt = Date.now();
  const deliveredAtStop = received.update().size;
  const stoppedIso = new Date(stoppedAt).toISOString();
  await connector.process.waitForLog((line) => line.component === 'kafkajs' && line.level === 'error' && String(line.time) >= stoppedIso, 60_000);
  // Keep the broker away until kafkajs has failed to reconnect three times; the
  // API side goes on meanwhile, only the commits wait.
  await connector.process.waitForLog((line) => line.msg.startsWith('Failed to connect to seed broker') && Number(line.retryCount) >= 3, 60_000);
  await waitFor('deliveries to go on without the broker', () => received.update().size > deliveredAtStop, 30_000);

  const restarted = await startBroker({ dir, port: broker.port, controllerPort: broker.controllerPort });
  scope.trackBroker(restarted);
  const downMs = Date.now() - stoppedAt;

  // Records written after the restart are read too.
  expectations.add(await kafka.produce(topic, generatedRecords(indexRange(900, 300), topic), partitions));
  await waitWhileRunning([connector], 'every offset to be committed after the restart', () => kafka.committedAtEnd(groupId, topic), 120_000);
  const exit = await connector.stop('SIGTERM');
  assert.equal(exit.code, 0);

  await monitor.stop();
  assert.deepEqual(monitor.violations, []);
  const comparison = compare(expectations, received);
  assert.deepEqual(comparison.missingLines, []);
  assert.deepEqual(comparison.unexpectedLines, []);
  assert.deepEqual(await kafka.committedOffsets(groupId, topic), await kafka.endOffsets(topic));
  reportNumbers(t, comparison, startedAt, {
    windowMaxLines,
    brokerDownS: Math.round(downMs / 100) / 10,
    kafkaErrorLogLines: connector.process.logs.filter((line) => line.component === 'kafkajs' && line.level === 'error').length,
    monitorSamples: monitor.samples,
    failedSamples: monitor.failedSamples,
  });
  // The connector neither died nor lost its partitions, so nothing was sent twice.
  assert.equal(comparison.extraCopies, 0);
});
