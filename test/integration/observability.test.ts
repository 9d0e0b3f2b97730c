// Metrics, readiness and log hygiene of a real run: the numbers on /metrics
// after a known input, readiness while draining, and no personal data or token
// in the logs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { createTopic, offsetsReachEnd, produce, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { generateEvent } from '../../scripts/sample-events.ts';
import { freePort } from '../../scripts/kafka/broker.ts';

const token = 'observability-token-5d1e';
const running = new Set<ConnectorProcess>();
const standIns = new Set<StandIn>();
const prefix = 'mediarithmics_deletion_connector_';

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
});

/** Parses Prometheus text into `name{labels}` → value, labels sorted as written. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

function metric(values: Map<string, number>, name: string, labels = ''): number | undefined {
  return values.get(`${prefix}${name}${labels ? `{${labels}}` : ''}`);
}

test('metrics exact and logs scrubbed', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('metrics');
  const groupId = uniqueName('group');
  await createTopic(topic, 2);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);

  // 60 generated events: kinds 0-3 delete (40 events), kind 4 is consent.granted (10), kind 5 an update without purposes (10).
  const events = Array.from({ length: 60 }, (_, index) => generateEvent(index, topic));
  await produce(topic, [...events.map(({ event }) => ({ value: JSON.stringify(event) })), { value: '{"broken": ' }]);
  const expectedByType = new Map<string, number>();
  for (const { expectedLines } of events) for (const line of expectedLines) expectedByType.set(line.type!, (expectedByType.get(line.type!) ?? 0) + 1);

  const httpPort = await freePort();
  const connector = startConnectorProcess(
    connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', WINDOW_MAX_LINES: '25', LOG_LEVEL: 'debug' } }),
  );
  running.add(connector);
  await waitFor('offsets to reach the end', () => offsetsReachEnd(groupId, topic), 60_000);

  const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const values = parseMetrics(await response.text());

  assert.equal(metric(values, 'events_consumed_total', `topic="${topic}"`), 61);
  assert.equal(metric(values, 'events_deleting_total'), 40);
  assert.equal(metric(values, 'events_skipped_total', 'reason="event_not_deleting"'), 10);
  assert.equal(metric(values, 'events_skipped_total', 'reason="no_triggering_purpose"'), 10);
  assert.equal(metric(values, 'events_dead_lettered_total', 'stage="decode",reason="invalid_json"'), 1);
  for (const [type, count] of expectedByType) assert.equal(metric(values, 'lines_sent_total', `type="${type}"`), count, `lines of type ${type}`);
  assert.equal(metric(values, 'lines_delivered_total'), [...expectedByType.values()].reduce((sum, count) => sum + count, 0));
  assert.equal(metric(values, 'executions_created_total'), standIn.executions.length);
  assert.equal(metric(values, 'execution_posts_total', 'status_class="2xx"'), standIn.executions.length);
  assert.equal(metric(values, 'execution_post_duration_seconds_count', 'outcome="2xx"'), standIn.executions.length);
  const flushed = ['lines', 'bytes', 'age', 'shutdown', 'rebalance'].reduce((sum, trigger) => sum + (metric(values, 'windows_flushed_total', `trigger="${trigger}"`) ?? 0), 0);
  assert.equal(flushed, standIn.executions.length);
  assert.ok((metric(values, 'windows_flushed_total', 'trigger="lines"') ?? 0) >= 1, 'windows cut by the line limit are counted');
  assert.equal(metric(values, 'time_to_erasure_seconds_count'), 40);
  assert.equal(metric(values, 'duplicates_resent_total'), 0);
  assert.equal(metric(values, 'buffered_lines'), 0);
  assert.equal(metric(values, 'ready'), 1);
  assert.equal(metric(values, 'consumer_lag', `topic="${topic}",partition="0"`), 0);
  assert.equal(metric(values, 'consumer_lag', `topic="${topic}",partition="1"`), 0);
  assert.ok((values.get('process_resident_memory_bytes') ?? 0) > 0);

  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0);

  // Even at debug level, no identifier value or token reaches the logs.
  const output = connector.output();
  assert.ok(!output.includes(token), 'token in the logs');
  for (const { event } of events) {
    for (const identifier of event.identifiers as Record<string, string>[]) {
      for (const [field, value] of Object.entries(identifier)) {
        if (field === 'type' || field === 'compartment_id') continue;
        assert.ok(!output.includes(value.trim()), `${field} value found in the logs`);
        assert.ok(!output.toLowerCase().includes(value.trim().toLowerCase()), `${field} value found in the logs (any case)`);
      }
    }
  }
  for (const execution of standIn.executions) {
    for (const line of execution.lines as Record<string, string>[]) {
      if (line.hash) assert.ok(!output.includes(line.hash), 'email hash found in the logs');
    }
  }
});

test('readiness fails while the connector drains on SIGTERM', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('draining');
  const groupId = uniqueName('group');
  await createTopic(topic, 1);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);

  const httpPort = await freePort();
  const connector = startConnectorProcess(
    connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', WINDOW_MAX_AGE_MS: '60000' } }),
  );
  running.add(connector);
  await waitFor('readiness', async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200, 60_000);

  // The window stays open (60 s age), so SIGTERM must flush it; the API takes 3 s to respond.
  standIn.script({ delayMs: 3_000 });
  await produce(topic, [{ value: JSON.stringify(generateEvent(0, topic).event) }]);
  await connector.waitForLog((line) => line.msg === 'joined consumer group');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  connector.kill('SIGTERM');

  const draining = await waitFor(
    'readiness to report draining',
    async () => {
      const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      if (response.status !== 503) return undefined;
      return (await response.json()) as { failing: string[] };
    },
    5_000,
    50,
  );
  assert.deepEqual(draining.failing, ['not_draining']);
  assert.equal((await connector.exited).code, 0);
  assert.equal(standIn.executions.length, 1);
  assert.equal(standIn.executions[0]!.lines.length, 2);
});
