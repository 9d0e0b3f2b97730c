import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  catalog,
  exportedName,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LabelValues,
  type MetricName,
  type MetricSpec,
  type MetricType,
} from './catalog.ts';
import type { Logger } from './logger.ts';

export { catalog, exportedName, metricPrefix } from './catalog.ts';
export type { CounterName, GaugeName, HistogramName, LabelValues, MetricName, MetricSpec, MetricType } from './catalog.ts';

/** Computes gauges right before a scrape, for example by calling `set`. */
export type Collector = () => void | Promise<void>;

export interface MetricsOptions {
  /** Also export prom-client's process and Node.js metrics (memory, CPU, event loop lag). Defaults to true. */
  defaultMetrics?: boolean;
  /** Time in ms that a scrape waits for each collector before rendering without it. Defaults to 5000. */
  collectTimeoutMs?: number;
  /** Receives one warning when a collector starts failing and one message when it recovers. */
  logger?: Logger;
}

/** A metric used against its declaration: unknown name, wrong type, wrong labels or a bad value. */
export class MetricUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricUsageError';
  }
}

type Instrument =
  | { type: 'counter'; spec: MetricSpec; metric: Counter<string> }
  | { type: 'gauge'; spec: MetricSpec; metric: Gauge<string> }
  | { type: 'histogram'; spec: MetricSpec; metric: Histogram<string> };

interface CollectorEntry {
  name: string;
  collect: Collector;
  /** The run still in progress; a scrape that finds one waits for it instead of starting another. */
  running: Promise<void> | undefined;
  failing: boolean;
}

type Labels = Record<string, string>;

/** One counter series, checked against the catalog once, for code that counts every record. */
export interface CounterSeries {
  /** Adds `by` (default 1); prom-client receives the sum at the next scrape. */
  add(by?: number): void;
}

/** One histogram series, checked against the catalog once. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** Increments of a counter series not yet passed on to prom-client. */
interface PendingCount {
  metric: Counter<string>;
  labels: Labels;
  amount: number;
  queued: boolean;
}

/**
 * The connector's metrics, backed by a prom-client registry of its own so that
 * several instances (one per test) never share series. It keeps the API of the
 * former in-process counters (`increment`, `get`, `total`, `snapshot`) and adds
 * histograms, gauges and the Prometheus text output. Using a name that is not in
 * the catalog, or other label names than declared, throws MetricUsageError.
 */
export class Metrics {
  readonly contentType: string;

  private readonly registry = new Registry();
  private readonly instruments = new Map<string, Instrument>();
  /** Counter and gauge values by series key, so reads stay synchronous. */
  private readonly values = new Map<string, number>();
  private readonly histogramTotals = new Map<string, { count: number; sum: number }>();
  private readonly collectors = new Set<CollectorEntry>();
  private readonly unflushed: PendingCount[] = [];
  private readonly collectTimeoutMs: number;
  private readonly logger: Logger | undefined;
  private rendering: Promise<string> | undefined;

  constructor(options: MetricsOptions = {}) {
    this.collectTimeoutMs = options.collectTimeoutMs ?? 5_000;
    this.logger = options.logger;
    this.contentType = this.registry.contentType;

    for (const [name, spec] of Object.entries(catalog) as [MetricName, MetricSpec][]) {
      this.instruments.set(name, this.createInstrument(name, spec));
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Adds `by` (default 1) to a counter series. */
  increment<N extends CounterName>(name: N, labels: LabelValues<N> = {} as LabelValues<N>, by = 1): void {
    const instrument = this.lookup(name, 'counter', labels);
    if (!Number.isFinite(by) || by < 0) throw new MetricUsageError(`counter ${name} can only grow: increment by ${by} is invalid`);

    instrument.metric.inc(labels, by);
    const key = seriesKey(name, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /**
   * Returns a handle on one counter series whose `add` skips the label checks
   * and the prom-client update of `increment`: the pipeline counts every record,
   * and those costs add up to microseconds per record. Reads through `get`,
   * `total` and `snapshot` see each `add` at once.
   */
  counter<N extends CounterName>(name: N, labels: LabelValues<N> = {} as LabelValues<N>): CounterSeries {
    const instrument = this.lookup(name, 'counter', labels);
    const key = seriesKey(name, labels);
    const pending: PendingCount = { metric: instrument.metric, labels: { ...labels }, amount: 0, queued: false };
    return {
      add: (by = 1) => {
        if (!(by >= 0) || by === Infinity) throw new MetricUsageError(`counter ${name} can only grow: increment by ${by} is invalid`);
        this.values.set(key, (this.values.get(key) ?? 0) + by);
        pending.amount += by;
        if (!pending.queued) {
          pending.queued = true;
          this.unflushed.push(pending);
        }
      },
    };
  }

  /** Returns a handle on one histogram series, checked once; see `counter`. */
  histogram<N extends HistogramName>(name: N, labels: LabelValues<N> = {} as LabelValues<N>): HistogramSeries {
    const instrument = this.lookup(name, 'histogram', labels);
    const key = seriesKey(name, labels);
    const own = { ...labels };
    let totals = this.histogramTotals.get(key);
    if (!totals) {
      totals = { count: 0, sum: 0 };
      this.histogramTotals.set(key, totals);
    }
    const series = totals;
    return {
      observe: (value) => {
        if (!Number.isFinite(value)) throw new MetricUsageError(`invalid observation ${value} for histogram ${name}: values must be finite numbers`);
        instrument.metric.observe(own, value);
        series.count += 1;
        series.sum += value;
      },
    };
  }

  /** Sets a gauge series. */
  set<N extends GaugeName>(name: N, labels: LabelValues<N>, value: number): void {
    const instrument = this.lookup(name, 'gauge', labels);
    if (!Number.isFinite(value)) throw new MetricUsageError(`invalid value ${value} for gauge ${name}: values must be finite numbers`);

    instrument.metric.set(labels, value);
    this.values.set(seriesKey(name, labels), value);
  }

  /** Removes every series of a gauge, for collectors whose label sets change (partitions revoked). */
  clear(name: GaugeName): void {
    const instrument = this.lookup(name, 'gauge', undefined);
    instrument.metric.reset();
    for (const key of [...this.values.keys()]) {
      if (belongsTo(key, name)) this.values.delete(key);
    }
  }

  /** Records one histogram observation, in the metric's unit. */
  observe<N extends HistogramName>(name: N, labels: LabelValues<N>, value: number): void {
    const instrument = this.lookup(name, 'histogram', labels);
    if (!Number.isFinite(value)) throw new MetricUsageError(`invalid observation ${value} for histogram ${name}: values must be finite numbers`);

    instrument.metric.observe(labels, value);
    const key = seriesKey(name, labels);
    const totals = this.histogramTotals.get(key) ?? { count: 0, sum: 0 };
    totals.count += 1;
    totals.sum += value;
    this.histogramTotals.set(key, totals);
  }

  /** Current value of one counter or gauge series; 0 when it was never updated. */
  get<N extends CounterName | GaugeName>(name: N, labels: LabelValues<N> = {} as LabelValues<N>): number {
    this.lookupReadable(name, labels);
    return this.values.get(seriesKey(name, labels)) ?? 0;
  }

  /** Count and sum of the observations of one histogram series. */
  observations<N extends HistogramName>(name: N, labels: LabelValues<N>): { count: number; sum: number } {
    this.lookup(name, 'histogram', labels);
    const totals = this.histogramTotals.get(seriesKey(name, labels));
    return totals ? { ...totals } : { count: 0, sum: 0 };
  }

  /** Sum over every label combination of one counter or gauge. */
  total(name: CounterName | GaugeName): number {
    this.lookupReadable(name, undefined);
    let sum = 0;
    for (const [key, value] of this.values) {
      if (belongsTo(key, name)) sum += value;
    }
    return sum;
  }

  /** Returns every counter and gauge series updated through this API, keyed `name{label="value"}` and sorted by key. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.values].sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * Registers a function that runs before each scrape. Returns a function that
   * unregisters it. A collector that throws or exceeds the collect timeout is
   * counted in collector_failures_total and the scrape goes on without it.
   */
  addCollector(collect: Collector, name: string = collect.name || 'anonymous'): () => void {
    const entry: CollectorEntry = { name, collect, running: undefined, failing: false };
    this.collectors.add(entry);
    this.lookup('collector_failures_total', 'counter', { collector: name }).metric.inc({ collector: name }, 0);
    return () => {
      this.collectors.delete(entry);
    };
  }

  /** Runs the collectors, then returns every metric in the Prometheus text format. */
  async render(): Promise<string> {
    // Concurrent scrapes share one collection, so a collector never runs twice at once.
    this.rendering ??= this.collectAndRender().finally(() => {
      this.rendering = undefined;
    });
    return this.rendering;
  }

  private async collectAndRender(): Promise<string> {
    await Promise.all([...this.collectors].map((entry) => this.runCollector(entry)));
    this.flushCounts();
    return this.registry.metrics();
  }

  /** Passes the sums of `counter` handles on to prom-client. */
  private flushCounts(): void {
    for (const pending of this.unflushed) {
      pending.metric.inc(pending.labels, pending.amount);
      pending.amount = 0;
      pending.queued = false;
    }
    this.unflushed.length = 0;
  }

  private async runCollector(entry: CollectorEntry): Promise<void> {
    entry.running ??= Promise.resolve()
      .then(() => entry.collect())
      .finally(() => {
        entry.running = undefined;
      });

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.collectTimeoutMs);
    });
    try {
      const outcome = await Promise.race([entry.running.then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') {
        this.collectorFailed(entry, new Error(`collector ${entry.name} did not finish within ${this.collectTimeoutMs} ms`));
      } else {
        this.collectorRecovered(entry);
      }
    } catch (error) {
      this.collectorFailed(entry, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private collectorFailed(entry: CollectorEntry, error: unknown): void {
    this.increment('collector_failures_total', { collector: entry.name });
    if (entry.failing) return;
    entry.failing = true;
    this.logger?.warn({ err: error, collector: entry.name }, 'metrics collector failed; its gauges keep their last values');
  }

  private collectorRecovered(entry: CollectorEntry): void {
    if (!entry.failing) return;
    entry.failing = false;
    this.logger?.info({ collector: entry.name }, 'metrics collector works again');
  }

  private createInstrument(name: MetricName, spec: MetricSpec): Instrument {
    const common = { name: exportedName(name), help: spec.help, labelNames: [...spec.labelNames], registers: [this.registry] };
    let instrument: Instrument;
    switch (spec.type) {
      case 'counter':
        instrument = { type: 'counter', spec, metric: new Counter(common) };
        break;
      case 'gauge':
        instrument = { type: 'gauge', spec, metric: new Gauge(common) };
        break;
      case 'histogram':
        instrument = { type: 'histogram', spec, metric: new Histogram({ ...common, buckets: [...(spec.buckets ?? [])] }) };
        break;
    }

    for (const labels of knownCombinations(spec)) {
      if (instrument.type === 'counter') instrument.metric.inc(labels, 0);
      else if (instrument.type === 'gauge') instrument.metric.set(labels, 0);
      else instrument.metric.zero(labels);
    }
    return instrument;
  }

  private lookupReadable(name: string, labels: unknown): Instrument {
    const instrument = this.instruments.get(name);
    if (instrument?.type === 'histogram') {
      throw new MetricUsageError(`metric ${name} is a histogram: read it with observations(), not get() or total()`);
    }
    return this.lookup(name, instrument?.type ?? 'counter', labels);
  }

  private lookup<T extends MetricType>(name: string, type: T, labels: unknown): Extract<Instrument, { type: T }> {
    const instrument = this.instruments.get(name);
    if (!instrument) {
      throw new MetricUsageError(`metric ${name} is not declared in the metric catalog (src/telemetry/catalog.ts)`);
    }
    if (instrument.type !== type) {
      throw new MetricUsageError(`metric ${name} is declared as a ${instrument.type}, not a ${type}`);
    }
    if (labels !== undefined) checkLabels(name, instrument.spec, labels);
    return instrument as Extract<Instrument, { type: T }>;
  }
}

function checkLabels(name: string, spec: MetricSpec, labels: unknown): void {
  if (typeof labels !== 'object' || labels === null) {
    throw new MetricUsageError(`labels of ${name} must be an object, got ${labels === null ? 'null' : typeof labels}`);
  }

  const given = Object.keys(labels).sort();
  const declared = [...spec.labelNames].sort();
  if (given.length !== declared.length || given.some((label, index) => label !== declared[index])) {
    throw new MetricUsageError(`metric ${name} takes labels {${declared.join(', ')}}, got {${given.join(', ')}}`);
  }

  for (const [label, value] of Object.entries(labels)) {
    if (typeof value !== 'string') {
      throw new MetricUsageError(`label ${label} of ${name} must be a string, got ${typeof value}`);
    }
  }
}

/** Lists every combination of known label values, or none when a label has no known values. */
function knownCombinations(spec: MetricSpec): Labels[] {
  if (spec.labelNames.length === 0 || !spec.knownValues) return [];
  let combinations: Labels[] = [{}];
  for (const label of spec.labelNames) {
    const values = spec.knownValues[label];
    if (!values) return [];
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [label]: value })));
  }
  return combinations;
}

/** Builds a series key in the format of the former in-process counters, so logged snapshots read the same. */
function seriesKey(name: string, labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return name;
  return `${name}{${names
    .sort()
    .map((label) => `${label}="${labels[label]}"`)
    .join(',')}}`;
}

function belongsTo(key: string, name: string): boolean {
  return key === name || key.startsWith(`${name}{`);
}
