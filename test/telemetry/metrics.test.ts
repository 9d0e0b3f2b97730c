import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics, MetricUsageError } from '../../src/telemetry/metrics.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { declaredFamilies, sampleValue } from './prometheus-text.ts';

const prefix = 'mediarithmics_deletion_connector_';

function quietMetrics(options: ConstructorParameters<typeof Metrics>[0] = {}): Metrics {
  return new Metrics({ defaultMetrics: false, ...options });
}

function logLines(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, logger };
}

test('increment, get and total keep the counters API', () => {
  const metrics = quietMetrics();
  metrics.increment('events_consumed_total', { topic: 'consent-events' });
  metrics.increment('events_consumed_total', { topic: 'consent-events' }, 4);
  metrics.increment('events_consumed_total', { topic: 'consent-events-eu' });
  metrics.increment('events_deleting_total');

  assert.equal(metrics.get('events_consumed_total', { topic: 'consent-events' }), 5);
  assert.equal(metrics.get('events_consumed_total', { topic: 'consent-events-eu' }), 1);
  assert.equal(metrics.get('events_consumed_total', { topic: 'never-seen' }), 0);
  assert.equal(metrics.get('events_deleting_total'), 1);
  assert.equal(metrics.total('events_consumed_total'), 6);
  assert.equal(metrics.total('events_skipped_total'), 0);
});

test('snapshot uses sorted name{label="value"} keys', () => {
  const metrics = quietMetrics();
  metrics.increment('events_dead_lettered_total', { stage: 'validate', reason: 'invalid_field' }, 2);
  metrics.increment('offset_commits_total');
  metrics.set('buffered_lines', {}, 12);

  assert.deepEqual(metrics.snapshot(), {
    buffered_lines: 12,
    'events_dead_lettered_total{reason="invalid_field",stage="validate"}': 2,
    offset_commits_total: 1,
  });
});

test('total does not mix names sharing a prefix', () => {
  const metrics = quietMetrics();
  metrics.increment('windows_flushed_total', { trigger: 'age' });
  metrics.increment('window_splits_total', { status: '400' });
  assert.equal(metrics.total('windows_flushed_total'), 1);
  assert.equal(metrics.total('window_splits_total'), 1);
});

test('undeclared metric name throws', () => {
  const metrics = quietMetrics();
  // @ts-expect-error: the name is not in the catalog.
  assert.throws(() => metrics.increment('events_eaten_total'), MetricUsageError);
  // @ts-expect-error: the name is not in the catalog.
  assert.throws(() => metrics.get('events_eaten_total'), /not declared in the metric catalog/);
  // @ts-expect-error: the name is not in the catalog.
  assert.throws(() => metrics.set('temperature', {}, 1), MetricUsageError);
  // @ts-expect-error: the name is not in the catalog.
  assert.throws(() => metrics.observe('latency_seconds', {}, 1), MetricUsageError);
});

test('wrong label names throw', () => {
  const metrics = quietMetrics();
  // @ts-expect-error: topic is missing.
  assert.throws(() => metrics.increment('events_consumed_total', {}), /takes labels \{topic\}, got \{\}/);
  // @ts-expect-error: partition is not a label of this counter.
  assert.throws(() => metrics.increment('events_consumed_total', { topic: 't', partition: '0' }), MetricUsageError);
  // @ts-expect-error: the label is called reason, not code.
  assert.throws(() => metrics.increment('events_skipped_total', { code: 'tombstone' }), MetricUsageError);
  // @ts-expect-error: a counter without labels takes none.
  assert.throws(() => metrics.increment('offset_commits_total', { topic: 't' }), MetricUsageError);
  // @ts-expect-error: stage is missing.
  assert.throws(() => metrics.increment('events_dead_lettered_total', { reason: 'invalid_json' }), MetricUsageError);
  // @ts-expect-error: partition is missing.
  assert.throws(() => metrics.set('consumer_lag', { topic: 't' }, 3), MetricUsageError);
  // @ts-expect-error: outcome is missing.
  assert.throws(() => metrics.observe('execution_post_duration_seconds', {}, 0.2), MetricUsageError);
  assert.equal(metrics.total('events_consumed_total'), 0);
});

test('label value that is not a string throws', () => {
  const metrics = quietMetrics();
  // @ts-expect-error: label values are strings.
  assert.throws(() => metrics.increment('window_splits_total', { status: 400 }), /must be a string/);
});

test('metric used as another type throws', () => {
  const metrics = quietMetrics();
  // @ts-expect-error: ready is a gauge.
  assert.throws(() => metrics.increment('ready'), /declared as a gauge, not a counter/);
  // @ts-expect-error: offset_commits_total is a counter.
  assert.throws(() => metrics.set('offset_commits_total', {}, 1), MetricUsageError);
  // @ts-expect-error: buffered_bytes is a gauge.
  assert.throws(() => metrics.observe('buffered_bytes', {}, 1), MetricUsageError);
  // @ts-expect-error: histograms are read with observations().
  assert.throws(() => metrics.get('time_to_erasure_seconds'), /observations\(\)/);
  // @ts-expect-error: only gauges can be cleared.
  assert.throws(() => metrics.clear('offset_commits_total'), MetricUsageError);
});

test('invalid values throw', () => {
  const metrics = quietMetrics();
  assert.throws(() => metrics.increment('offset_commits_total', {}, -1), /can only grow/);
  assert.throws(() => metrics.increment('offset_commits_total', {}, Number.NaN), MetricUsageError);
  assert.throws(() => metrics.set('buffered_bytes', {}, Number.POSITIVE_INFINITY), MetricUsageError);
  assert.throws(() => metrics.observe('time_to_erasure_seconds', {}, Number.NaN), MetricUsageError);
  assert.equal(metrics.get('offset_commits_total'), 0);
});

test('render exports prefixed names with help and type', async () => {
  const metrics = quietMetrics();
  metrics.increment('events_skipped_total', { reason: 'tombstone' }, 3);
  metrics.set('consumer_lag', { topic: 'consent-events', partition: '2' }, 41);

  const text = await metrics.render();
  const families = declaredFamilies(text);
  assert.equal(families.get(`${prefix}events_skipped_total`), 'counter');
  assert.equal(families.get(`${prefix}consumer_lag`), 'gauge');
  assert.equal(families.get(`${prefix}time_to_erasure_seconds`), 'histogram');
  assert.match(text, new RegExp(`^# HELP ${prefix}events_skipped_total \\S`, 'm'));
  assert.equal(sampleValue(text, `${prefix}events_skipped_total`, { reason: 'tombstone' }), 3);
  assert.equal(sampleValue(text, `${prefix}consumer_lag`, { topic: 'consent-events', partition: '2' }), 41);
  assert.equal(families.has('events_skipped_total'), false);
});

test('histograms export buckets, sum and count', async () => {
  const metrics = quietMetrics();
  metrics.observe('time_to_erasure_seconds', {}, 12);
  metrics.observe('time_to_erasure_seconds', {}, 3 * 24 * 3600);
  metrics.observe('execution_post_duration_seconds', { outcome: '2xx' }, 0.3);

  const text = await metrics.render();
  const erasure = `${prefix}time_to_erasure_seconds`;
  assert.equal(sampleValue(text, `${erasure}_bucket`, { le: '5' }), 0);
  assert.equal(sampleValue(text, `${erasure}_bucket`, { le: '15' }), 1);
  assert.equal(sampleValue(text, `${erasure}_bucket`, { le: '259200' }), 2);
  assert.equal(sampleValue(text, `${erasure}_bucket`, { le: '2592000' }), 2);
  assert.equal(sampleValue(text, `${erasure}_bucket`, { le: '+Inf' }), 2);
  assert.equal(sampleValue(text, `${erasure}_count`), 2);
  assert.equal(sampleValue(text, `${erasure}_sum`), 12 + 3 * 24 * 3600);

  const post = `${prefix}execution_post_duration_seconds`;
  assert.equal(sampleValue(text, `${post}_bucket`, { outcome: '2xx', le: '0.25' }), 0);
  assert.equal(sampleValue(text, `${post}_bucket`, { outcome: '2xx', le: '0.5' }), 1);
  assert.deepEqual(metrics.observations('time_to_erasure_seconds', {}), { count: 2, sum: 12 + 3 * 24 * 3600 });
  assert.deepEqual(metrics.observations('execution_post_duration_seconds', { outcome: '5xx' }), { count: 0, sum: 0 });
});

test('counter handles sum until the scrape', async () => {
  const metrics = quietMetrics();
  const consumed = metrics.counter('events_consumed_total', { topic: 'consent-events' });
  consumed.add();
  consumed.add(4);
  metrics.increment('events_consumed_total', { topic: 'consent-events' }, 2);
  assert.equal(metrics.get('events_consumed_total', { topic: 'consent-events' }), 7);

  const first = await metrics.render();
  assert.equal(sampleValue(first, `${prefix}events_consumed_total`, { topic: 'consent-events' }), 7);
  consumed.add(3);
  const second = await metrics.render();
  assert.equal(sampleValue(second, `${prefix}events_consumed_total`, { topic: 'consent-events' }), 10);

  assert.throws(() => consumed.add(-1), MetricUsageError);
  assert.throws(() => metrics.counter('events_consumed_total', { partition: '1' } as never), MetricUsageError);
});

test('histogram handles share the series totals', async () => {
  const metrics = quietMetrics();
  const erasure = metrics.histogram('time_to_erasure_seconds');
  erasure.observe(12);
  metrics.observe('time_to_erasure_seconds', {}, 30);

  assert.deepEqual(metrics.observations('time_to_erasure_seconds', {}), { count: 2, sum: 42 });
  const text = await metrics.render();
  assert.equal(sampleValue(text, `${prefix}time_to_erasure_seconds_count`), 2);
  assert.throws(() => erasure.observe(Number.NaN), MetricUsageError);
});

test('known label values are exported at zero', async () => {
  const text = await quietMetrics().render();
  for (const type of ['USER_POINT', 'USER_ACCOUNT', 'USER_EMAIL', 'USER_AGENT']) {
    assert.equal(sampleValue(text, `${prefix}lines_sent_total`, { type }), 0, type);
  }
  for (const trigger of ['lines', 'bytes', 'age', 'shutdown', 'rebalance']) {
    assert.equal(sampleValue(text, `${prefix}windows_flushed_total`, { trigger }), 0, trigger);
  }
  for (const outcome of ['2xx', '4xx', '5xx', 'timeout', 'connection_error']) {
    assert.equal(sampleValue(text, `${prefix}execution_posts_total`, { status_class: outcome }), 0, outcome);
    assert.equal(sampleValue(text, `${prefix}execution_post_duration_seconds_count`, { outcome }), 0, outcome);
  }
  assert.equal(sampleValue(text, `${prefix}ready`), 0);
});

test('instances keep separate registries', async () => {
  const first = quietMetrics();
  const second = quietMetrics();
  first.increment('offset_commits_total', {}, 7);

  assert.equal(second.get('offset_commits_total'), 0);
  assert.equal(sampleValue(await first.render(), `${prefix}offset_commits_total`), 7);
  assert.equal(sampleValue(await second.render(), `${prefix}offset_commits_total`), 0);
});

test('default process metrics share the registry', async () => {
  const metrics = new Metrics();
  const families = declaredFamilies(await metrics.render());
  assert.equal(families.get('process_resident_memory_bytes'), 'gauge');
  assert.equal(families.get('process_cpu_seconds_total'), 'counter');
  assert.equal(families.get('nodejs_eventloop_lag_seconds'), 'gauge');
  assert.equal(families.get(`${prefix}events_consumed_total`), 'counter');
});

test('default process metrics can be left out', async () => {
  const families = declaredFamilies(await quietMetrics().render());
  assert.equal(families.has('process_resident_memory_bytes'), false);
});

test('collector sets gauges at scrape time', async () => {
  const metrics = quietMetrics();
  let held = 10;
  metrics.addCollector(() => metrics.set('buffered_lines', {}, held), 'buffers');

  assert.equal(sampleValue(await metrics.render(), `${prefix}buffered_lines`), 10);
  held = 25;
  assert.equal(sampleValue(await metrics.render(), `${prefix}buffered_lines`), 25);
  assert.equal(metrics.get('buffered_lines'), 25);
});

test('removed collector no longer runs', async () => {
  const metrics = quietMetrics();
  let runs = 0;
  const remove = metrics.addCollector(() => {
    runs += 1;
  });
  await metrics.render();
  remove();
  await metrics.render();
  assert.equal(runs, 1);
});

test('clear drops gauge series of revoked partitions', async () => {
  const metrics = quietMetrics();
  metrics.set('consumer_lag', { topic: 't', partition: '0' }, 5);
  metrics.set('consumer_lag', { topic: 't', partition: '1' }, 9);
  metrics.clear('consumer_lag');
  metrics.set('consumer_lag', { topic: 't', partition: '1' }, 4);

  const text = await metrics.render();
  assert.equal(sampleValue(text, `${prefix}consumer_lag`, { topic: 't', partition: '0' }), undefined);
  assert.equal(sampleValue(text, `${prefix}consumer_lag`, { topic: 't', partition: '1' }), 4);
  assert.equal(metrics.total('consumer_lag'), 4);
});

test('failing collector is counted and logged once', async () => {
  const { lines, logger } = logLines();
  const metrics = quietMetrics({ logger });
  let fail = true;
  metrics.addCollector(() => {
    if (fail) throw new Error('broker unreachable');
    metrics.set('consumer_lag', { topic: 't', partition: '0' }, 3);
  }, 'lag');
  metrics.addCollector(() => metrics.set('buffered_lines', {}, 8), 'buffers');

  const text = await metrics.render();
  await metrics.render();
  assert.equal(sampleValue(text, `${prefix}buffered_lines`), 8);
  assert.equal(sampleValue(text, `${prefix}collector_failures_total`, { collector: 'lag' }), 1);
  assert.equal(sampleValue(text, `${prefix}collector_failures_total`, { collector: 'buffers' }), 0);
  assert.equal(metrics.get('collector_failures_total', { collector: 'lag' }), 2);

  const warnings = lines.filter((line) => line.msg === 'metrics collector failed; its gauges keep their last values');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.collector, 'lag');

  fail = false;
  assert.equal(sampleValue(await metrics.render(), `${prefix}consumer_lag`, { topic: 't', partition: '0' }), 3);
  assert.equal(lines.filter((line) => line.msg === 'metrics collector works again').length, 1);
});

test('slow collector times out without a second run', async () => {
  const metrics = quietMetrics({ collectTimeoutMs: 50 });
  let started = 0;
  let hang = true;
  let finish: () => void = () => undefined;
  metrics.addCollector(() => {
    started += 1;
    if (!hang) return Promise.resolve();
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  }, 'slow');
  metrics.addCollector(() => metrics.set('buffered_bytes', {}, 2048), 'buffers');

  const first = await metrics.render();
  const second = await metrics.render();
  assert.equal(sampleValue(first, `${prefix}buffered_bytes`), 2048);
  assert.equal(sampleValue(second, `${prefix}collector_failures_total`, { collector: 'slow' }), 2);
  assert.equal(started, 1);

  hang = false;
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  await metrics.render();
  assert.equal(started, 2);
  assert.equal(metrics.get('collector_failures_total', { collector: 'slow' }), 2);
});

test('concurrent scrapes share one collection', async () => {
  const metrics = quietMetrics();
  let runs = 0;
  metrics.addCollector(async () => {
    runs += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const [first, second] = await Promise.all([metrics.render(), metrics.render()]);
  assert.equal(runs, 1);
  assert.equal(first, second);
});

test('content type is the Prometheus text format', () => {
  assert.equal(quietMetrics().contentType, 'text/plain; version=0.0.4; charset=utf-8');
});
