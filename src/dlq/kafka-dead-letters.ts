import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import { backoffDelay, sleep, type BackoffPolicy } from '../sink/backoff.ts';
import type { DeadLetter, DeadLetterSink } from './dead-letters.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Counters } from '../telemetry/counters.ts';

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

interface Pending {
  letter: DeadLetter;
  resolve: () => void;
}

/**
 * Writes dead letters to a Kafka topic: the original key, value and headers,
 * plus `dlq.*` headers naming the source record and the reason. A letter's
 * promise resolves only once Kafka acknowledged it (acks=all), and a failed
 * write is retried without end, so the source offset is never committed past
 * a record whose dead letter is not durable.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly backoff: BackoffPolicy;
  private readonly logger: Logger;
  private readonly counters: Counters;
  private queue: Pending[] = [];
  private flushing = false;
  private connected: Promise<void> | undefined;
  private closed = false;

  constructor(kafka: Kafka, topic: string, backoff: BackoffPolicy, logger: Logger, counters: Counters) {
    // kafkajs retries only briefly here: the loop below retries without end and logs each failure.
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      maxInFlightRequests: 1,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    });
    this.topic = topic;
    this.backoff = backoff;
    this.logger = logger;
    this.counters = counters;
  }

  send(letter: DeadLetter): Promise<void> {
    this.counters.increment('events_dead_lettered_total', { stage: letter.stage, reason: letter.reason });
    this.logger.warn(
      {
        topic: letter.record.topic,
        partition: letter.record.partition,
        offset: letter.record.offset,
        stage: letter.stage,
        reason: letter.reason,
        eventId: letter.eventId,
        detail: letter.message,
        dlqTopic: this.topic,
      },
      'record dead-lettered',
    );

    return new Promise<void>((resolve) => {
      this.queue.push({ letter, resolve });
      if (!this.flushing) {
        this.flushing = true;
        // Letters that arrive in the same tick go to Kafka in one request.
        setImmediate(() => void this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue;
      this.queue = [];
      await this.writeUntilAcknowledged(batch);
      for (const pending of batch) pending.resolve();
    }
    this.flushing = false;
  }

  private async writeUntilAcknowledged(batch: Pending[]): Promise<void> {
    const messages = batch.map(({ letter }) => toMessage(letter));
    for (let attempt = 0; !this.closed; attempt += 1) {
      try {
        this.connected ??= this.producer.connect();
        await this.connected;
        await this.producer.send({ topic: this.topic, messages, acks: -1 });
        if (attempt > 0) this.logger.info({ dlqTopic: this.topic, attempts: attempt + 1 }, 'dead-letter topic written again after failures');
        return;
      } catch (error) {
        this.connected = undefined;
        this.counters.increment('dead_letter_write_failures_total');
        const delayMs = backoffDelay(this.backoff, attempt);
        if (attempt < 3 || attempt % 10 === 0) {
          this.logger.error(
            { err: error, dlqTopic: this.topic, letters: batch.length, attempt: attempt + 1, delayMs },
            'writing to the dead-letter topic failed; retrying, and no offset passes these records meanwhile',
          );
        }
        await sleep(delayMs);
      }
    }
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
