/**
 * Every metric the connector exports, declared once. Code uses the short names
 * below, and the exported names carry `metricPrefix` in front. docs/metrics.md
 * describes the same list for operators, and a test checks that it names each
 * metric here.
 */

import { REASONS } from '../contract/reasons.ts';

export const metricPrefix = 'mediarithmics_deletion_connector_';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Base unit of a metric's values; the metric name ends with it (before `_total`). */
export type MetricUnit = 'seconds' | 'bytes';

export interface MetricSpec {
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly unit?: MetricUnit;
  /** Histogram bucket upper bounds, in `unit`, ascending. */
  readonly buckets?: readonly number[];
  /**
   * Label values known in advance. When every label of a metric has them, each
   * combination is exported at zero from start-up, so `rate()` and alerts see
   * the first event instead of a series that appears out of nowhere.
   */
  readonly knownValues?: Readonly<Record<string, readonly string[]>>;
}

const lineTypes = ['USER_POINT', 'USER_ACCOUNT', 'USER_EMAIL', 'USER_AGENT'];
const reasonsWith = (outcome: string): string[] => Object.entries(REASONS).filter(([, reason]) => reason.outcome === outcome).map(([code]) => code);
const deadLetterStages = ['decode', 'validate', 'map', 'deliver'];
const executionStatuses = ['SUCCEEDED', 'SUCCESS', 'FAILED', 'CANCELED', 'LOST', 'EXECUTOR_NOT_RESPONDING', 'NOT_FOLLOWED'];
const flushTriggers = ['lines', 'bytes', 'age', 'shutdown', 'rebalance'];
const postOutcomes = ['2xx', '4xx', '5xx', 'timeout', 'connection_error'];
const registryErrorCodes = ['registry_unreachable', 'registry_timeout', 'registry_server_error', 'registry_unauthorized', 'registry_unexpected_response'];

/** Values of windows_dropped_total's reason label; they are not record reason codes. */
export const windowDropReasons = { shutdownDeadline: 'shutdown_deadline', revoked: 'revoked' } as const;

const minute = 60;
const hour = 60 * minute;
const day = 24 * hour;

export const catalog = {
  // Consumption and interpretation of records.
  events_consumed_total: {
    type: 'counter',
    help: 'Records taken from Kafka into the pipeline, per topic. A record fetched again while it is still in flight is not counted twice.',
    labelNames: ['topic'],
  },
  events_deleting_total: {
    type: 'counter',
    help: 'Events that produced at least one deletion line.',
    labelNames: [],
  },
  events_skipped_total: {
    type: 'counter',
    help: 'Events settled without deletion and without a dead letter, by reason code.',
    labelNames: ['reason'],
    knownValues: { reason: reasonsWith('skip_event') },
  },
  events_dead_lettered_total: {
    type: 'counter',
    help: 'Records reported as dead letters, by pipeline stage (decode, validate, map, deliver) and reason code.',
    labelNames: ['stage', 'reason'],
    // Every stage and reason pair starts at zero, so increase() counts the first dead letter too.
    knownValues: { stage: deadLetterStages, reason: reasonsWith('dead_letter') },
  },
  identifiers_skipped_total: {
    type: 'counter',
    help: 'Identifiers left out of an event while the rest of the event was processed, by reason code.',
    labelNames: ['reason'],
    knownValues: { reason: reasonsWith('skip_identifier') },
  },

  // Windows and executions.
  lines_delivered_total: {
    type: 'counter',
    help: 'Deletion lines in executions that the mediarithmics API accepted.',
    labelNames: [],
  },
  lines_sent_total: {
    type: 'counter',
    help: 'Deletion lines in executions that the mediarithmics API accepted, by line type.',
    labelNames: ['type'],
    knownValues: { type: lineTypes },
  },
  executions_created_total: {
    type: 'counter',
    help: 'Executions that the mediarithmics API accepted.',
    labelNames: [],
  },
  windows_flushed_total: {
    type: 'counter',
    help: 'Windows cut and queued for delivery, by what cut them.',
    labelNames: ['trigger'],
    knownValues: { trigger: flushTriggers },
  },
  window_splits_total: {
    type: 'counter',
    help: 'Rejected execution bodies split to isolate the offending lines, by HTTP status of the rejection.',
    labelNames: ['status'],
  },
  windows_dropped_total: {
    type: 'counter',
    help: 'Windows abandoned before delivery, by reason: shutdown_deadline (their records stay uncommitted and are read again after a restart) or revoked (every line belonged to partitions lost in a rebalance, which their new owner sends).',
    labelNames: ['reason'],
    knownValues: { reason: Object.values(windowDropReasons) },
  },
  duplicates_resent_total: {
    type: 'counter',
    help: 'Events whose lines were sent again because a previous owner of their partition delivered them but had not committed them before a crash, restart or rebalance. The previous owner names them in its commit metadata, so a window delivered after its last commit is not counted.',
    labelNames: [],
  },

  // mediarithmics API.
  execution_post_duration_seconds: {
    type: 'histogram',
    help: 'Duration of one execution POST attempt until the complete response or the failure, by outcome.',
    labelNames: ['outcome'],
    unit: 'seconds',
    // From a fast 2xx to beyond the default 30 s request timeout.
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    knownValues: { outcome: postOutcomes },
  },
  execution_posts_total: {
    type: 'counter',
    help: 'Execution POST attempts, by outcome: HTTP status class, timeout or connection_error.',
    labelNames: ['status_class'],
    knownValues: { status_class: postOutcomes },
  },
  api_retries_total: {
    type: 'counter',
    help: 'mediarithmics API calls retried after a transient failure, by operation and error code.',
    labelNames: ['operation', 'code'],
  },
  api_auth_refusals_total: {
    type: 'counter',
    help: 'mediarithmics API responses that rejected the token (401 or 403), by status. Consumption stays paused until the token is accepted again.',
    labelNames: ['status'],
  },
  execution_follow_up_total: {
    type: 'counter',
    help: 'Executions whose final status was read back from the mediarithmics API, by that status.',
    labelNames: ['status'],
    knownValues: { status: executionStatuses },
  },
  execution_follow_up_errors_total: {
    type: 'counter',
    help: 'Failed requests for execution statuses while following executions; the follow-up retries on its next poll.',
    labelNames: [],
  },
  execution_line_failures_total: {
    type: 'counter',
    help: 'Lines that finished executions reported as failed (result.total_failure).',
    labelNames: [],
  },
  time_to_erasure_seconds: {
    type: 'histogram',
    help: "Time from an event's occurred_at to the mediarithmics API accepting the execution that carries its lines.",
    labelNames: [],
    unit: 'seconds',
    // From seconds for live traffic up to 30 days, the horizon against which privacy teams report erasure delays.
    buckets: [
      1, 5, 15, 30, minute, 2 * minute, 5 * minute, 10 * minute, 30 * minute,
      hour, 3 * hour, 6 * hour, 12 * hour,
      day, 2 * day, 3 * day, 7 * day, 14 * day, 30 * day,
    ],
  },

  // Offsets and the consumer group.
  offset_commits_total: {
    type: 'counter',
    help: 'Successful offset commits; one commit covers every partition with newly settled records.',
    labelNames: [],
  },
  offset_commit_failures_total: {
    type: 'counter',
    help: 'Failed offset commits. The same offsets are committed by a later attempt.',
    labelNames: [],
  },
  partitions_revoked_total: {
    type: 'counter',
    help: 'Partitions this member lost in a consumer group rebalance.',
    labelNames: [],
  },
  revoked_delivered_uncommitted_total: {
    type: 'counter',
    help: 'Events delivered but not committed in partitions this member lost in a rebalance; their new owner sends them again.',
    labelNames: [],
  },
  revoked_unsettled_records_total: {
    type: 'counter',
    help: 'Records read but not yet settled in partitions this member lost in a rebalance. Their new owner reads them again.',
    labelNames: [],
  },
  consumer_lag: {
    type: 'gauge',
    help: 'Records between the committed offset and the end of the partition, per partition owned by this member.',
    labelNames: ['topic', 'partition'],
  },
  oldest_unsettled_event_age_seconds: {
    type: 'gauge',
    help: 'Time since the oldest record that is read but not yet settled was read from Kafka; 0 when every read record is settled.',
    labelNames: [],
    unit: 'seconds',
  },

  // Memory bounds and flow control.
  buffered_lines: {
    type: 'gauge',
    help: 'Deletion lines held in open and in-flight windows, the figure that MAX_BUFFERED_LINES bounds.',
    labelNames: [],
  },
  buffered_bytes: {
    type: 'gauge',
    help: 'Bytes held for unsettled records, the figure that MAX_BUFFERED_BYTES bounds.',
    labelNames: [],
    unit: 'bytes',
  },
  consumption_paused: {
    type: 'gauge',
    help: '1 while fetching from Kafka is paused (buffers full, token rejected or draining), else 0.',
    labelNames: [],
  },
  ready: {
    type: 'gauge',
    help: '1 while /readyz returns 200, else 0.',
    labelNames: [],
  },

  // Dead letters, receipts and decoding.
  dead_letter_write_failures_total: {
    type: 'counter',
    help: 'Failed writes to the dead-letter topic. The write is retried and the records stay uncommitted meanwhile.',
    labelNames: [],
  },
  receipt_write_failures_total: {
    type: 'counter',
    help: 'Failed writes to the receipts topic. The write is retried and the records stay uncommitted meanwhile.',
    labelNames: [],
  },
  schema_registry_errors_total: {
    type: 'counter',
    help: 'Schema Registry lookups that failed because the registry was unavailable, by code. The record is retried and nothing after it is read meanwhile.',
    labelNames: ['code'],
    knownValues: { code: registryErrorCodes },
  },

  // The metrics themselves.
  collector_failures_total: {
    type: 'counter',
    help: 'Scrape-time collectors that threw or timed out, by collector. Their gauges keep the values of the last successful run.',
    labelNames: ['collector'],
  },
} as const satisfies Record<string, MetricSpec>;

export type Catalog = typeof catalog;
export type MetricName = keyof Catalog;

type NamesOfType<T extends MetricType> = { [N in MetricName]: Catalog[N]['type'] extends T ? N : never }[MetricName];
export type CounterName = NamesOfType<'counter'>;
export type GaugeName = NamesOfType<'gauge'>;
export type HistogramName = NamesOfType<'histogram'>;

/** The label values of one metric: exactly its declared label names, and nothing for a metric without labels. */
export type LabelValues<N extends MetricName> = Catalog[N]['labelNames'] extends readonly []
  ? Record<string, never>
  : Record<Catalog[N]['labelNames'][number], string>;

/** Returns the exported Prometheus name of a short catalog name. */
export function exportedName(name: MetricName): string {
  return `${metricPrefix}${name}`;
}
