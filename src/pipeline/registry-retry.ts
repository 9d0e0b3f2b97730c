import { SchemaRegistryUnavailableError } from '../decode/registry/registry-decoder.ts';
import type { RecordOutcome } from '../mapping/interpret.ts';
import { backoffDelay, sleep, type BackoffPolicy } from '../sink/backoff.ts';
import type { BatchControl } from '../source/consumer.ts';
import type { SourceRecord } from '../source/record.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import type { RecordInterpreter } from './interpreter.ts';

/**
 * Waits for a Schema Registry record's outcome, retrying while the registry is
 * unavailable. An outage never dead-letters the record, and nothing past it
 * is read meanwhile; heartbeats keep the member in the group.
 */
export class RegistryRetry {
  private readonly interpreter: RecordInterpreter;
  private readonly backoff: BackoffPolicy;
  private readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(interpreter: RecordInterpreter, backoff: BackoffPolicy, logger: Logger, metrics: Metrics) {
    this.interpreter = interpreter;
    this.backoff = backoff;
    this.logger = logger;
    this.metrics = metrics;
  }

  /** Returns the outcome, or undefined when the batch must stop (the consumer stops or rebalances). */
  async await(record: SourceRecord, first: Promise<RecordOutcome>, control: BatchControl): Promise<RecordOutcome | undefined> {
    let pending = first;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await pending;
      } catch (error) {
        if (!(error instanceof SchemaRegistryUnavailableError)) throw error;
        this.metrics.increment('schema_registry_errors_total', { code: error.code });
        const delayMs = backoffDelay(this.backoff, attempt);
        // Log the first attempts and then every tenth, so a long outage stays readable.
        if (attempt < 3 || attempt % 10 === 0) {
          this.logger.warn(
            { code: error.code, status: error.status, schemaId: error.schemaId, topic: record.topic, partition: record.partition, offset: record.offset, attempt: attempt + 1, delayMs },
            'Schema Registry unavailable; retrying the record',
          );
        }
        await sleep(delayMs);
        await control.heartbeat();
        if (!control.active()) return undefined;
        pending = Promise.resolve(this.interpreter.interpret(record));
      }
    }
  }
}
