import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { healthState, startHttpServer, type HealthState, type RunningHttpServer } from '../../src/telemetry/http-server.ts';
import { sampleValue } from './prometheus-text.ts';

const prefix = 'mediarithmics_deletion_connector_';
const allReady = { group_joined: true, api_authorised: true, not_draining: true };

interface Harness {
  server: RunningHttpServer;
  metrics: Metrics;
  url: (path: string) => string;
  setHealth: (state: HealthState) => void;
  logs: Record<string, unknown>[];
}

async function start(t: { after: (fn: () => Promise<void>) => void }, initial: HealthState = healthState(allReady)): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = new Metrics({ defaultMetrics: false });
  let state = initial;
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, metrics, health: () => state, logger });
  t.after(() => server.close());
  return {
    server,
    metrics,
    url: (path) => `http://127.0.0.1:${server.port}${path}`,
    setHealth: (next) => {
      state = next;
    },
    logs,
  };
}

test('server binds the requested host and a free port', async (t) => {
  const { server, logs } = await start(t);
  assert.ok(server.port > 0);
  const listening = logs.find((line) => line.msg === 'HTTP server listening for probes and metrics');
  assert.equal(listening?.host, '127.0.0.1');
  assert.equal(listening?.port, server.port);
});

test('healthz answers 200 with JSON', async (t) => {
  const { url, setHealth } = await start(t);
  setHealth(healthState({ group_joined: false, api_authorised: false, not_draining: false }));
  const response = await fetch(url('/healthz'));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('readyz answers 200 when ready', async (t) => {
  const { url } = await start(t);
  const response = await fetch(url('/readyz'));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await response.json(), { ready: true, conditions: allReady });
});

test('readyz answers 503 naming failing conditions', async (t) => {
  const { url, setHealth } = await start(t);
  setHealth(healthState({ group_joined: true, api_authorised: false, not_draining: false }));
  const response = await fetch(url('/readyz'));
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = (await response.json()) as { ready: boolean; failing: string[]; conditions: Record<string, boolean> };
  assert.equal(body.ready, false);
  assert.deepEqual(body.failing, ['api_authorised', 'not_draining']);
  assert.deepEqual(body.conditions, { group_joined: true, api_authorised: false, not_draining: false });
});

test('readyz follows health changes', async (t) => {
  const { url, setHealth } = await start(t);
  setHealth(healthState({ ...allReady, group_joined: false }));
  const before = await fetch(url('/readyz'));
  assert.equal(before.status, 503);
  assert.deepEqual(((await before.json()) as { failing: string[] }).failing, ['group_joined']);

  setHealth(healthState(allReady));
  const after = await fetch(url('/readyz'));
  assert.equal(after.status, 200);
  await after.body?.cancel();
});

test('readyz trusts ready over conditions', async (t) => {
  const { url, setHealth } = await start(t);
  setHealth({ ready: false, conditions: allReady });
  const response = await fetch(url('/readyz'));
  assert.equal(response.status, 503);
  assert.deepEqual(((await response.json()) as { failing: string[] }).failing, []);
});

test('healthState is ready only when every condition holds', () => {
  assert.equal(healthState(allReady).ready, true);
  assert.equal(healthState({ ...allReady, not_draining: false }).ready, false);
});

test('metrics answers the Prometheus text format', async (t) => {
  const { url, metrics } = await start(t);
  metrics.increment('events_consumed_total', { topic: 'consent-events' }, 3);
  const response = await fetch(url('/metrics'));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  assert.equal(sampleValue(text, `${prefix}events_consumed_total`, { topic: 'consent-events' }), 3);
});

test('metrics ready gauge follows health', async (t) => {
  const { url, setHealth } = await start(t);
  assert.equal(sampleValue(await (await fetch(url('/metrics'))).text(), `${prefix}ready`), 1);
  setHealth(healthState({ ...allReady, api_authorised: false }));
  assert.equal(sampleValue(await (await fetch(url('/metrics'))).text(), `${prefix}ready`), 0);
});

test('metrics ignores a query string', async (t) => {
  const { url } = await start(t);
  const response = await fetch(url('/metrics?name[]=x'));
  assert.equal(response.status, 200);
  await response.body?.cancel();
});

test('unknown path answers 404', async (t) => {
  const { url } = await start(t);
  for (const path of ['/', '/metrics/', '/health', '/readyz/extra', '/constructor', '/__proto__']) {
    const response = await fetch(url(path));
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8', path);
    assert.match(await response.text(), /\/healthz, \/readyz and \/metrics/, path);
  }
});

test('non-GET method answers 405 with Allow', async (t) => {
  const { url } = await start(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await fetch(url(path), { method, body: method === 'POST' || method === 'PUT' ? 'x' : undefined });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), 'GET, HEAD', `${method} ${path}`);
      await response.body?.cancel();
    }
  }
});

test('HEAD answers headers without a body', async (t) => {
  const { url } = await start(t);
  const response = await fetch(url('/readyz'), { method: 'HEAD' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await response.text(), '');
});

test('failing health check answers 500 and logs', async (t) => {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new Metrics({ defaultMetrics: false }),
    health: () => {
      throw new Error('tracker unavailable');
    },
    logger,
  });
  t.after(() => server.close());

  const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
  assert.equal(response.status, 500);
  await response.body?.cancel();
  const failure = logs.find((line) => line.msg === 'HTTP request failed');
  assert.equal(failure?.path, '/readyz');
  assert.equal(failure?.level, 'error');
});

test('port in use rejects the start', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as { port: number }).port;

  const metrics = new Metrics({ defaultMetrics: false });
  await assert.rejects(
    startHttpServer({ host: '127.0.0.1', port, metrics, health: () => healthState(allReady), logger: createLogger('silent') }),
    { code: 'EADDRINUSE' },
  );
  // The failed start must not leave its ready collector behind.
  await metrics.render();
  assert.equal(metrics.get('collector_failures_total', { collector: 'ready' }), 0);
  assert.equal(metrics.get('ready'), 0);
});

test('close stops listening and removes the ready collector', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, metrics, health: () => healthState(allReady), logger: createLogger('silent') });
  const url = `http://127.0.0.1:${server.port}/healthz`;
  const keptAlive = await fetch(url);
  await keptAlive.body?.cancel();

  await server.close();
  await assert.rejects(fetch(url));
  metrics.set('ready', {}, 0);
  await metrics.render();
  assert.equal(metrics.get('ready'), 0);
});
