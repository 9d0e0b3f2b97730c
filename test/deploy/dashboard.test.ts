import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { catalog, exportedName, type MetricName } from '../../src/telemetry/catalog.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { declaredFamilies } from '../telemetry/prometheus-text.ts';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/dashboard.json', import.meta.url), 'utf8')) as Dashboard;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

const panels = allPanels(dashboard.panels);
const queryPanels = panels.filter((panel) => panel.type !== 'row');
const expressions = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })));

// PromQL words that are neither functions nor metric names.
const promqlKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * Metric names in a PromQL expression: identifiers left after removing strings,
 * label matchers, range selectors, grouping clauses, Grafana variables and
 * numbers, that are not followed by "(" (a function call) and are not keywords.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ')
    .replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, ' ');

  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = stripped.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith('(') || promqlKeywords.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

/** Sample names the connector exports: the catalog with its prefix, histogram series, and prom-client's process metrics. */
async function exportedSampleNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const histogramSuffixes = ['_bucket', '_sum', '_count'];
  for (const [name, spec] of Object.entries(catalog) as [MetricName, { type: string }][]) {
    const exported = exportedName(name);
    if (spec.type === 'histogram') for (const suffix of histogramSuffixes) names.add(exported + suffix);
    else names.add(exported);
  }

  const families = declaredFamilies(await new Metrics().render());
  for (const [family, type] of families) {
    if (family.startsWith('mediarithmics_deletion_connector_')) continue;
    if (type === 'histogram') for (const suffix of histogramSuffixes) names.add(family + suffix);
    else names.add(family);
  }
  return names;
}

test('metricNames finds names in PromQL', () => {
  const expr =
    'histogram_quantile(0.95, sum by (le, outcome) (rate(foo_seconds_bucket{job=~"$job",le="1"}[$__rate_interval]))) / on (job) group_left bar_total * 1e3';
  assert.deepEqual(metricNames(expr), ['foo_seconds_bucket', 'bar_total']);
});

test('dashboard queries use exported metric names', async () => {
  const known = await exportedSampleNames();
  assert.ok(expressions.length > 0, 'the dashboard has no queries');
  for (const { panel, expr } of expressions) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `panel "${panel}" queries no metric: ${expr}`);
    for (const name of names) assert.ok(known.has(name), `panel "${panel}" uses ${name}, which the connector does not export`);
  }
});

test('dashboard variables query exported metrics', async () => {
  const known = await exportedSampleNames();
  for (const variable of dashboard.templating.list.filter((entry) => entry.type === 'query')) {
    const query = variable.definition ?? '';
    const metric = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(query)?.[1];
    assert.ok(metric, `variable ${variable.name} has no label_values query`);
    assert.ok(known.has(metric), `variable ${variable.name} uses ${metric}`);
  }
});

test('dashboard uses only defined variables', () => {
  const defined = new Set(dashboard.templating.list.map((entry) => entry.name));
  const builtIn = new Set(['__rate_interval', '__interval', '__range']);
  const text = JSON.stringify(dashboard);
  for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)) {
    const name = match[1]!;
    assert.ok(defined.has(name) || builtIn.has(name), `$${name} is not a dashboard variable`);
  }
});

test('histogram quantiles group by le', () => {
  for (const { panel, expr } of expressions.filter(({ expr }) => expr.includes('histogram_quantile'))) {
    assert.match(expr, /_bucket\{/, `panel "${panel}" must take quantiles of _bucket series`);
    assert.match(expr, /by \((?:[^)]*\b)?le\b/, `panel "${panel}" must keep le when aggregating buckets`);
  }
});

test('counters are read through rate or increase', () => {
  for (const { panel, expr } of expressions) {
    for (const name of metricNames(expr).filter((name) => name.endsWith('_total') || name.endsWith('_bucket') || name.endsWith('_count'))) {
      const around = new RegExp(`(?:rate|increase)\\(${name}[{\\[]`);
      assert.match(expr, around, `panel "${panel}" reads counter ${name} without rate() or increase()`);
    }
  }
});

test('dashboard covers the operating questions', () => {
  const all = expressions.map(({ expr }) => expr).join('\n');
  const prefix = 'mediarithmics_deletion_connector_';
  const required: [string, RegExp][] = [
    ['throughput', new RegExp(`rate\\(${prefix}events_consumed_total`)],
    ['lag per partition', new RegExp(`by \\(topic, partition\\) \\(${prefix}consumer_lag`)],
    ['time to erasure p50', new RegExp(`histogram_quantile\\(0\\.5, [^\\n]*${prefix}time_to_erasure_seconds_bucket`)],
    ['time to erasure p95', new RegExp(`histogram_quantile\\(0\\.95, [^\\n]*${prefix}time_to_erasure_seconds_bucket`)],
    ['time to erasure p99', new RegExp(`histogram_quantile\\(0\\.99, [^\\n]*${prefix}time_to_erasure_seconds_bucket`)],
    ['POST latency', new RegExp(`${prefix}execution_post_duration_seconds_bucket`)],
    ['POST outcomes', new RegExp(`by \\(status_class\\) \\(rate\\(${prefix}execution_posts_total`)],
    ['retries', new RegExp(`${prefix}api_retries_total`)],
    ['dead letters by reason', new RegExp(`by \\(stage, reason\\) \\(increase\\(${prefix}events_dead_lettered_total`)],
    ['skipped by reason', new RegExp(`by \\(reason\\) \\(increase\\(${prefix}events_skipped_total`)],
    ['windows by trigger', new RegExp(`by \\(trigger\\) \\(increase\\(${prefix}windows_flushed_total`)],
    ['buffered memory', new RegExp(`${prefix}buffered_bytes`)],
    ['readiness', new RegExp(`${prefix}ready\\{`)],
  ];
  for (const [question, pattern] of required) assert.match(all, pattern, `no panel shows ${question}`);
});

test('dashboard panels have unique ids and fit the grid', () => {
  const ids = panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids repeat');
  for (const panel of panels) {
    assert.ok(panel.gridPos.x >= 0, `panel "${panel.title}" starts left of the grid`);
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `panel "${panel.title}" overflows the 24-column grid`);
    assert.ok(panel.gridPos.h > 0, `panel "${panel.title}" has no height`);
  }
});

test('dashboard panels use the datasource variable', () => {
  assert.ok(dashboard.templating.list.some((entry) => entry.name === 'datasource' && entry.type === 'datasource'));
  for (const panel of queryPanels) {
    assert.equal(panel.datasource?.uid, '${datasource}', `panel "${panel.title}"`);
    for (const target of panel.targets ?? []) {
      assert.equal(target.datasource?.uid, '${datasource}', `panel "${panel.title}" target ${target.refId}`);
      assert.ok(target.refId, `panel "${panel.title}" has a target without refId`);
    }
    const refIds = (panel.targets ?? []).map((target) => target.refId);
    assert.equal(new Set(refIds).size, refIds.length, `panel "${panel.title}" repeats a refId`);
  }
});
