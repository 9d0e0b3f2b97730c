import type { SourceRecord } from '../source/record.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export type DeadLetterStage = 'decode' | 'validate' | 'map' | 'deliver';

export interface DeadLetter {
  record: SourceRecord;
  stage: DeadLetterStage;
  /** Stable snake_case reason code, the same in logs, metrics and headers. */
  reason: string;
  /** Human-readable detail; never contains identifier values. */
  message: string;
  eventId: string | undefined;
  /** HTTP status of the API response that rejected the event's lines, at the deliver stage. */
  httpStatus?: number | undefined;
}

/**
 * Destination of records that cannot become deletions. The promise resolves when
 * the dead letter is durable; only then is the record's offset settled.
 */
export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
  close(): Promise<void>;
}

/** Logs and counts dead letters without writing them anywhere else. */
export class LoggingDeadLetterSink implements DeadLetterSink {
  private readonly logger: Logger;
  private readonly counters: Metrics;

  constructor(logger: Logger, counters: Metrics) {
    this.logger = logger;
    this.counters = counters;
  }

  async send(letter: DeadLetter): Promise<void> {
    reportDeadLetter(letter, this.logger, this.counters);
  }

  async close(): Promise<void> {}
}

/** Logs and counts one dead letter, with the same reason code in both; identifier values never appear. */
export function reportDeadLetter(letter: DeadLetter, logger: Logger, metrics: Metrics, extra: Record<string, string> = {}): void {
  metrics.increment('events_dead_lettered_total', { stage: letter.stage, reason: letter.reason });
  logger.warn(
    {
      topic: letter.record.topic,
      partition: letter.record.partition,
      offset: letter.record.offset,
      stage: letter.stage,
      reason: letter.reason,
      eventId: letter.eventId,
      detail: letter.message,
      ...extra,
    },
    'record dead-lettered',
  );
}
