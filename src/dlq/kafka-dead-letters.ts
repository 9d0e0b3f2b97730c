import type { IHeaders, Kafka, Message } from 'kafkajs';
import type { BackoffPolicy } from '../sink/backoff.ts';
import { DurableProducer } from '../output/durable-producer.ts';
import { reportDeadLetter, type DeadLetter, type DeadLetterSink } from './dead-letters.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/** Header names added to every dead letter; values are UTF-8 strings. */
export const deadLetterHeaders = {
  sourceTopic: 'dlq.source.topic',
  sourcePartition: 'dlq.source.partition',
  sourceOffset: 'dlq.source.offset',
  sourceTimestamp: 'dlq.source.timestamp',
  stage: 'dlq.stage',
  reason: 'dlq.reason',
  message: 'dlq.message',
  eventId: 'dlq.event_id',
  httpStatus: 'dlq.http_status',
  failedAt: 'dlq.failed_at',
} as const;

/**
 * Writes dead letters to a Kafka topic: the original key, value and headers,
 * plus `dlq.*` headers naming the source record and the reason. A letter's
 * promise resolves only once Kafka acknowledged it, so the source offset is
 * never committed past a record whose dead letter is not durable.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly output: DurableProducer;
  private readonly logger: Logger;
  private readonly counters: Metrics;

  constructor(kafka: Kafka, topic: string, backoff: BackoffPolicy, logger: Logger, counters: Metrics) {
    this.output = new DurableProducer(kafka, topic, { backoff, failureCounter: 'dead_letter_write_failures_total' }, logger, counters);
    this.logger = logger;
    this.counters = counters;
  }

  send(letter: DeadLetter): Promise<void> {
    reportDeadLetter(letter, this.logger, this.counters, { dlqTopic: this.output.topic });
    return this.output.write(toMessage(letter));
  }

  close(): Promise<void> {
    return this.output.close();
  }
}

function toMessage(letter: DeadLetter): Message {
  const { record } = letter;
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    // A re-driven dead letter that fails again gets fresh dlq.* headers.
    if (value !== undefined && !name.startsWith('dlq.')) headers[name] = value;
  }
  headers[deadLetterHeaders.sourceTopic] = record.topic;
  headers[deadLetterHeaders.sourcePartition] = String(record.partition);
  headers[deadLetterHeaders.sourceOffset] = record.offset;
  headers[deadLetterHeaders.sourceTimestamp] = record.timestamp;
  headers[deadLetterHeaders.stage] = letter.stage;
  headers[deadLetterHeaders.reason] = letter.reason;
  headers[deadLetterHeaders.message] = letter.message;
  headers[deadLetterHeaders.failedAt] = new Date().toISOString();
  if (letter.eventId !== undefined) headers[deadLetterHeaders.eventId] = letter.eventId;
  if (letter.httpStatus !== undefined) headers[deadLetterHeaders.httpStatus] = String(letter.httpStatus);

  return { key: record.key, value: record.value, headers };
}
