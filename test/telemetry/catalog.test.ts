import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { catalog, exportedName, metricPrefix, type MetricName, type MetricSpec } from '../../src/telemetry/catalog.ts';

const entries = Object.entries(catalog) as [MetricName, MetricSpec][];

test('catalog names follow Prometheus rules', () => {
  for (const [name, spec] of entries) {
    assert.match(exportedName(name), /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, name);
    assert.ok(exportedName(name).startsWith(metricPrefix), name);
    for (const label of spec.labelNames) assert.match(label, /^[a-zA-Z_][a-zA-Z0-9_]*$/, `${name} label ${label}`);
    for (const label of spec.labelNames) assert.ok(!label.startsWith('__') && label !== 'le', `${name} label ${label} is reserved`);
  }
});

test('only counters end with _total', () => {
  for (const [name, spec] of entries) {
    assert.equal(name.endsWith('_total'), spec.type === 'counter', `${name} is a ${spec.type}`);
  }
});

test('histograms declare a unit and ascending buckets', () => {
  for (const [name, spec] of entries.filter(([, spec]) => spec.type === 'histogram')) {
    assert.ok(spec.unit, `${name} has no unit`);
    const buckets = spec.buckets ?? [];
    assert.ok(buckets.length > 0, `${name} has no buckets`);
    for (let index = 1; index < buckets.length; index += 1) {
      assert.ok(buckets[index]! > buckets[index - 1]!, `${name} buckets must ascend at position ${index}`);
    }
  }
});

test('metrics with a unit end with it', () => {
  for (const [name, spec] of entries) {
    if (!spec.unit) continue;
    assert.ok(name.replace(/_total$/, '').endsWith(`_${spec.unit}`), `${name} should end with _${spec.unit}`);
  }
});

test('buckets exist only on histograms', () => {
  for (const [name, spec] of entries) {
    assert.equal(spec.buckets !== undefined, spec.type === 'histogram', name);
  }
});

test('known values name declared labels', () => {
  for (const [name, spec] of entries) {
    for (const label of Object.keys(spec.knownValues ?? {})) {
      assert.ok(spec.labelNames.includes(label), `${name} lists known values for undeclared label ${label}`);
    }
  }
});

test('time to erasure reaches 30 days', () => {
  const buckets = catalog.time_to_erasure_seconds.buckets;
  assert.equal(buckets[0], 1);
  assert.equal(buckets.at(-1), 30 * 24 * 3600);
});

test('catalog holds the required metrics', () => {
  const required: Record<string, { type: string; labels: string[] }> = {
    events_consumed_total: { type: 'counter', labels: ['topic'] },
    events_deleting_total: { type: 'counter', labels: [] },
    events_skipped_total: { type: 'counter', labels: ['reason'] },
    events_dead_lettered_total: { type: 'counter', labels: ['stage', 'reason'] },
    identifiers_skipped_total: { type: 'counter', labels: ['reason'] },
    lines_delivered_total: { type: 'counter', labels: [] },
    lines_sent_total: { type: 'counter', labels: ['type'] },
    executions_created_total: { type: 'counter', labels: [] },
    windows_flushed_total: { type: 'counter', labels: ['trigger'] },
    window_splits_total: { type: 'counter', labels: ['status'] },
    execution_post_duration_seconds: { type: 'histogram', labels: ['outcome'] },
    execution_posts_total: { type: 'counter', labels: ['status_class'] },
    api_retries_total: { type: 'counter', labels: ['operation', 'code'] },
    api_auth_refusals_total: { type: 'counter', labels: ['status'] },
    duplicates_resent_total: { type: 'counter', labels: [] },
    windows_dropped_total: { type: 'counter', labels: ['reason'] },
    offset_commits_total: { type: 'counter', labels: [] },
    offset_commit_failures_total: { type: 'counter', labels: [] },
    partitions_revoked_total: { type: 'counter', labels: [] },
    consumer_lag: { type: 'gauge', labels: ['topic', 'partition'] },
    oldest_unsettled_event_age_seconds: { type: 'gauge', labels: [] },
    buffered_lines: { type: 'gauge', labels: [] },
    buffered_bytes: { type: 'gauge', labels: [] },
    consumption_paused: { type: 'gauge', labels: [] },
    ready: { type: 'gauge', labels: [] },
    time_to_erasure_seconds: { type: 'histogram', labels: [] },
    execution_follow_up_total: { type: 'counter', labels: ['status'] },
    execution_line_failures_total: { type: 'counter', labels: [] },
    dead_letter_write_failures_total: { type: 'counter', labels: [] },
    schema_registry_errors_total: { type: 'counter', labels: ['code'] },
  };
  const declared = catalog as Record<string, MetricSpec>;
  for (const [name, expected] of Object.entries(required)) {
    const spec = declared[name];
    assert.ok(spec, `${name} is missing from the catalog`);
    assert.equal(spec.type, expected.type, name);
    assert.deepEqual([...spec.labelNames], expected.labels, name);
  }
});

test('metrics reference documents every metric', () => {
  const reference = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  for (const [name, spec] of entries) {
    assert.ok(reference.includes(`\`${exportedName(name)}\``), `docs/metrics.md does not mention ${exportedName(name)}`);
    for (const label of spec.labelNames) {
      assert.ok(reference.includes(`\`${label}\``), `docs/metrics.md does not mention label ${label} of ${name}`);
    }
  }
});
