// Evaluates parsed queries over the scrapes of a samples file. It follows the
// Prometheus 3 semantics for the parts the dashboard uses: instant selectors
// look back 5 min, a series goes stale when it leaves a scrape or a scrape
// fails, and range windows exclude their start. rate() and increase() are
// extrapolated and handle counter resets, and histogram_quantile()
// interpolates linearly inside a bucket.
import { UnsupportedQueryError, type LabelMatcher, type QueryNode } from './promql-parser.ts';
import type { SamplesFile } from './samples.ts';

/** Prometheus's default lookback delta for instant selectors (--query.lookback-delta). */
const lookbackMs = 5 * 60_000;

type Labels = Record<string, string>;

interface Point {
  timeMs: number;
  value: number;
  /** A staleness marker: the series was absent from the scrape at this time. */
  stale: boolean;
}

interface StoredSeries {
  labels: Labels;
  points: Point[];
}

interface VectorElement {
  labels: Labels;
  value: number;
}

type Value =
  | { type: 'scalar'; value: number }
  | { type: 'vector'; elements: VectorElement[] }
  | { type: 'matrix'; series: { labels: Labels; points: Point[] }[]; rangeMs: number };

/** One output series of a range query: its labels and a value per step, NaN where it has none. */
export interface ResultSeries {
  labels: Labels;
  values: number[];
}

/** In-memory time series database built from the scrapes, queried like Prometheus. */
export class SampleStore {
  private readonly seriesByMetric = new Map<string, StoredSeries[]>();

  constructor(file: SamplesFile) {
    const byKey = new Map<string, StoredSeries>();
    let previousKeys = new Set<string>();
    for (const scrape of file.scrapes) {
      const currentKeys = new Set<string>();
      for (const sample of scrape.samples) {
        const labels: Labels = { ...sample.labels, ...file.target, __name__: sample.name };
        const key = seriesKey(labels);
        let series = byKey.get(key);
        if (series === undefined) {
          series = { labels, points: [] };
          byKey.set(key, series);
          const list = this.seriesByMetric.get(sample.name) ?? [];
          list.push(series);
          this.seriesByMetric.set(sample.name, list);
        }
        series.points.push({ timeMs: scrape.timeMs, value: sample.value, stale: false });
        currentKeys.add(key);
      }
      // Like the Prometheus scrape loop, a series missing from this scrape (or every series, when the scrape failed) gets a staleness marker.
      for (const key of previousKeys) {
        if (!currentKeys.has(key)) byKey.get(key)!.points.push({ timeMs: scrape.timeMs, value: Number.NaN, stale: true });
      }
      previousKeys = currentKeys;
    }
  }

  select(metric: string, matchers: LabelMatcher[]): StoredSeries[] {
    const compiled = matchers.map((matcher) => ({ ...matcher, pattern: matcher.operator.endsWith('~') ? anchoredRegExp(matcher.value) : undefined }));
    return (this.seriesByMetric.get(metric) ?? []).filter((series) =>
      compiled.every((matcher) => {
        const actual = series.labels[matcher.label] ?? '';
        switch (matcher.operator) {
          case '=':
            return actual === matcher.value;
          case '!=':
            return actual !== matcher.value;
          case '=~':
            return matcher.pattern!.test(actual);
          case '!~':
            return !matcher.pattern!.test(actual);
        }
      }),
    );
  }
}

/**
 * Evaluates `node` at every time of `timesMs` as a Prometheus range query does,
 * and returns one series per label set. A query whose result is not a vector or
 * scalar raises UnsupportedQueryError.
 */
export function evaluateRange(store: SampleStore, node: QueryNode, timesMs: number[]): ResultSeries[] {
  const byKey = new Map<string, ResultSeries>();
  for (const [index, timeMs] of timesMs.entries()) {
    const value = evaluate(store, node, timeMs);
    if (value.type === 'matrix') throw new UnsupportedQueryError('a range selector cannot be plotted on its own');
    const elements = value.type === 'scalar' ? [{ labels: {}, value: value.value }] : value.elements;
    for (const element of elements) {
      const key = seriesKey(element.labels);
      let series = byKey.get(key);
      if (series === undefined) {
        series = { labels: element.labels, values: timesMs.map(() => Number.NaN) };
        byKey.set(key, series);
      }
      series.values[index] = element.value;
    }
  }
  return [...byKey.values()];
}

function evaluate(store: SampleStore, node: QueryNode, timeMs: number): Value {
  switch (node.kind) {
    case 'number':
      return { type: 'scalar', value: node.value };
    case 'selector':
      return node.rangeMs === undefined ? instantSelector(store, node.metric, node.matchers, timeMs) : rangeSelector(store, node.metric, node.matchers, node.rangeMs, timeMs);
    case 'call':
      return evaluateCall(store, node, timeMs);
    case 'aggregation':
      return aggregate(node.name, node.by, evaluate(store, node.operand, timeMs));
    case 'binary':
      return arithmetic(node.operator, evaluate(store, node.left, timeMs), evaluate(store, node.right, timeMs));
  }
}

function instantSelector(store: SampleStore, metric: string, matchers: LabelMatcher[], timeMs: number): Value {
  const elements: VectorElement[] = [];
  for (const series of store.select(metric, matchers)) {
    const latest = lastPointAtOrBefore(series.points, timeMs);
    if (latest === undefined || latest.stale || latest.timeMs <= timeMs - lookbackMs) continue;
    elements.push({ labels: series.labels, value: latest.value });
  }
  return { type: 'vector', elements };
}

function rangeSelector(store: SampleStore, metric: string, matchers: LabelMatcher[], rangeMs: number, timeMs: number): Value {
  const series = store.select(metric, matchers).map((stored) => ({
    labels: stored.labels,
    // Since Prometheus 3.0 the window excludes its start: (t - range, t].
    points: stored.points.filter((point) => !point.stale && point.timeMs > timeMs - rangeMs && point.timeMs <= timeMs),
  }));
  return { type: 'matrix', series: series.filter((item) => item.points.length > 0), rangeMs };
}

function evaluateCall(store: SampleStore, node: Extract<QueryNode, { kind: 'call' }>, timeMs: number): Value {
  if (node.name === 'histogram_quantile') {
    const quantile = evaluate(store, node.args[0]!, timeMs);
    const buckets = evaluate(store, node.args[1]!, timeMs);
    if (quantile.type !== 'scalar' || buckets.type !== 'vector') throw new UnsupportedQueryError('histogram_quantile() needs a number and an instant vector');
    return { type: 'vector', elements: histogramQuantile(quantile.value, buckets.elements) };
  }

  const range = evaluate(store, node.args[0]!, timeMs);
  if (range.type !== 'matrix') throw new UnsupportedQueryError(`${node.name}() needs a range selector such as metric[5m]`);
  const elements: VectorElement[] = [];
  for (const series of range.series) {
    const value = extrapolatedDelta(series.points, timeMs - range.rangeMs, timeMs, node.name === 'rate');
    if (value !== undefined) elements.push({ labels: withoutName(series.labels), value });
  }
  return { type: 'vector', elements };
}

/**
 * Computes the increase of a counter over (startMs, endMs], or its per-second
 * rate, from the samples in that window. The difference between the first and
 * last sample, with counter resets added back, is extrapolated towards each
 * window edge. It reaches an edge that lies within 1.1 mean sample spacings of
 * the nearest sample, and goes half a spacing otherwise. Towards the start it
 * never passes the time at which the counter would have been zero. Returns
 * undefined with fewer than two samples, as Prometheus drops the series then.
 */
function extrapolatedDelta(points: Point[], startMs: number, endMs: number, perSecond: boolean): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || points.length < 2) return undefined;

  let delta = last.value - first.value;
  for (let index = 1; index < points.length; index += 1) {
    const previous = points[index - 1]!.value;
    if (points[index]!.value < previous) delta += previous;
  }

  const sampledSeconds = (last.timeMs - first.timeMs) / 1000;
  const meanSpacingSeconds = sampledSeconds / (points.length - 1);
  const threshold = meanSpacingSeconds * 1.1;

  let toStartSeconds = (first.timeMs - startMs) / 1000;
  if (toStartSeconds >= threshold) toStartSeconds = meanSpacingSeconds / 2;
  if (delta > 0 && first.value >= 0) {
    // A counter is never negative: do not extend the line back past the time it would have been zero.
    const toZeroSeconds = sampledSeconds * (first.value / delta);
    toStartSeconds = Math.min(toStartSeconds, toZeroSeconds);
  }

  let toEndSeconds = (endMs - last.timeMs) / 1000;
  if (toEndSeconds >= threshold) toEndSeconds = meanSpacingSeconds / 2;

  const extrapolated = delta * ((sampledSeconds + toStartSeconds + toEndSeconds) / sampledSeconds);
  return perSecond ? extrapolated / ((endMs - startMs) / 1000) : extrapolated;
}

/**
 * Computes quantile `q` of each group of cumulative buckets (same labels except `le`).
 * The value is interpolated linearly inside the bucket that contains the rank. The
 * lowest bucket starts at 0, and a rank in the +Inf bucket returns the highest
 * finite bound. A group without a +Inf bucket or with a zero count yields NaN.
 */
function histogramQuantile(q: number, elements: VectorElement[]): VectorElement[] {
  const groups = new Map<string, { labels: Labels; buckets: { upperBound: number; count: number }[] }>();
  for (const element of elements) {
    const le = element.labels.le;
    if (le === undefined) continue;
    const upperBound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    if (Number.isNaN(upperBound)) continue;
    const labels = withoutName(element.labels);
    delete labels.le;
    const key = seriesKey(labels);
    const group = groups.get(key) ?? { labels, buckets: [] };
    group.buckets.push({ upperBound, count: element.value });
    groups.set(key, group);
  }

  const results: VectorElement[] = [];
  for (const { labels, buckets } of groups.values()) {
    results.push({ labels, value: quantileOfBuckets(q, buckets) });
  }
  return results;
}

function quantileOfBuckets(q: number, unsorted: { upperBound: number; count: number }[]): number {
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const buckets = [...unsorted].sort((a, b) => a.upperBound - b.upperBound);
  const top = buckets.at(-1);
  if (buckets.length < 2 || top === undefined || top.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;

  // Extrapolated rates of cumulative buckets can come out slightly non-monotonic, so each count is raised to at least the one below it.
  for (let index = 1; index < buckets.length; index += 1) {
    buckets[index]!.count = Math.max(buckets[index]!.count, buckets[index - 1]!.count);
  }
  const total = top.count;
  if (!(total > 0)) return Number.NaN;

  const rank = q * total;
  const index = buckets.findIndex((bucket) => bucket.count >= rank);
  if (index === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  const bucket = buckets[index]!;
  if (index === 0 && bucket.upperBound <= 0) return bucket.upperBound;

  const lowerBound = index === 0 ? 0 : buckets[index - 1]!.upperBound;
  const countBelow = index === 0 ? 0 : buckets[index - 1]!.count;
  const countInBucket = bucket.count - countBelow;
  if (countInBucket === 0) return bucket.upperBound;
  return lowerBound + (bucket.upperBound - lowerBound) * ((rank - countBelow) / countInBucket);
}

function aggregate(name: 'sum' | 'max', by: string[], operand: Value): Value {
  if (operand.type !== 'vector') throw new UnsupportedQueryError(`${name} needs an instant vector`);
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const element of operand.elements) {
    const labels: Labels = {};
    for (const label of by) {
      const value = element.labels[label];
      if (value !== undefined && value !== '') labels[label] = value;
    }
    const key = seriesKey(labels);
    const group = groups.get(key) ?? { labels, values: [] };
    group.values.push(element.value);
    groups.set(key, group);
  }

  const elements: VectorElement[] = [];
  for (const { labels, values } of groups.values()) {
    if (name === 'sum') {
      elements.push({ labels, value: values.reduce((total, value) => total + value, 0) });
    } else {
      // max ignores NaN unless every value is NaN.
      const numbers = values.filter((value) => !Number.isNaN(value));
      elements.push({ labels, value: numbers.length === 0 ? Number.NaN : Math.max(...numbers) });
    }
  }
  return { type: 'vector', elements };
}

/** Arithmetic between scalars and vectors. Two vectors match one-to-one on all labels but the metric name. */
function arithmetic(operator: '+' | '-' | '*' | '/', left: Value, right: Value): Value {
  const apply = (a: number, b: number): number => {
    switch (operator) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
    }
  };

  if (left.type === 'matrix' || right.type === 'matrix') throw new UnsupportedQueryError('arithmetic on a range selector is not valid');
  if (left.type === 'scalar' && right.type === 'scalar') return { type: 'scalar', value: apply(left.value, right.value) };
  if (left.type === 'scalar' && right.type === 'vector') {
    return { type: 'vector', elements: right.elements.map((element) => ({ labels: withoutName(element.labels), value: apply(left.value, element.value) })) };
  }
  if (left.type === 'vector' && right.type === 'scalar') {
    return { type: 'vector', elements: left.elements.map((element) => ({ labels: withoutName(element.labels), value: apply(element.value, right.value) })) };
  }
  if (left.type !== 'vector' || right.type !== 'vector') throw new UnsupportedQueryError('unexpected operand types');

  const rightByKey = new Map<string, VectorElement>();
  for (const element of right.elements) {
    const key = seriesKey(withoutName(element.labels));
    if (rightByKey.has(key)) throw new UnsupportedQueryError('the right-hand side has several series with the same labels (many-to-one matching is not supported)');
    rightByKey.set(key, element);
  }
  const elements: VectorElement[] = [];
  const seen = new Set<string>();
  for (const element of left.elements) {
    const labels = withoutName(element.labels);
    const key = seriesKey(labels);
    if (seen.has(key)) throw new UnsupportedQueryError('the left-hand side has several series with the same labels (many-to-one matching is not supported)');
    seen.add(key);
    const match = rightByKey.get(key);
    if (match !== undefined) elements.push({ labels, value: apply(element.value, match.value) });
  }
  return { type: 'vector', elements };
}

function lastPointAtOrBefore(points: Point[], timeMs: number): Point | undefined {
  let low = 0;
  let high = points.length - 1;
  let found: Point | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const point = points[middle]!;
    if (point.timeMs <= timeMs) {
      found = point;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function withoutName(labels: Labels): Labels {
  const copy = { ...labels };
  delete copy.__name__;
  return copy;
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** PromQL regular expressions match the whole label value. JavaScript syntax replaces RE2 here, and both read the dashboard's `.+` the same way. */
function anchoredRegExp(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 's');
  } catch (error) {
    throw new UnsupportedQueryError(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}
