import type { Kafka, Message, Producer } from 'kafkajs';
import { backoffDelay, sleep, type BackoffPolicy } from '../sink/backoff.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { CounterName, Metrics } from '../telemetry/metrics.ts';

interface Pending {
  message: Message;
  resolve: () => void;
}

/**
 * Writes records to one topic and resolves each record's promise only once
 * Kafka acknowledged it (acks=all). A failed write is retried without end, in
 * order, because callers settle source offsets on that promise: a dead letter
 * or a receipt that is not durable must hold the commit back.
 */
export class DurableProducer {
  readonly topic: string;
  private readonly producer: Producer;
  private readonly backoff: BackoffPolicy;
  private readonly logger: Logger;
  private readonly counters: Metrics;
  private readonly failureCounter: CounterName;
  private queue: Pending[] = [];
  private flushing = false;
  private connected: Promise<void> | undefined;
  private closed = false;

  constructor(kafka: Kafka, topic: string, options: { backoff: BackoffPolicy; failureCounter: CounterName }, logger: Logger, counters: Metrics) {
    this.topic = topic;
    // kafkajs retries only briefly here: the loop below retries without end and logs each failure.
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    });
    this.backoff = options.backoff;
    this.failureCounter = options.failureCounter;
    this.logger = logger;
    this.counters = counters;
  }

  write(message: Message): Promise<void> {
    return new Promise<void>((resolve) => {
      this.queue.push({ message, resolve });
      if (!this.flushing) {
        this.flushing = true;
        // Records that arrive in the same tick go to Kafka in one request.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Stops retrying; records not yet acknowledged stay unsettled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue;
      this.queue = [];
      const written = await this.writeUntilAcknowledged(batch.map((pending) => pending.message));
      if (!written) return;
      for (const pending of batch) pending.resolve();
    }
    this.flushing = false;
  }

  private async writeUntilAcknowledged(messages: Message[]): Promise<boolean> {
    for (let attempt = 0; !this.closed; attempt += 1) {
      try {
        this.connected ??= this.producer.connect();
        await this.connected;
        await this.producer.send({ topic: this.topic, messages, acks: -1 });
        if (attempt > 0) this.logger.info({ outputTopic: this.topic, attempts: attempt + 1 }, 'output topic written again after failures');
        return true;
      } catch (error) {
        this.connected = undefined;
        this.counters.increment(this.failureCounter);
        const delayMs = backoffDelay(this.backoff, attempt);
        // Log the first attempts and then every tenth, so a long outage stays readable.
        if (attempt < 3 || attempt % 10 === 0) {
          this.logger.error(
            { err: error, outputTopic: this.topic, records: messages.length, attempt: attempt + 1, delayMs },
            'writing to the output topic failed; retrying, and no offset passes these records meanwhile',
          );
        }
        await sleep(delayMs);
      }
    }
    return false;
  }
}
