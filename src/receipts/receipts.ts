import type { Kafka } from 'kafkajs';
import { DurableProducer } from '../output/durable-producer.ts';
import type { BackoffPolicy } from '../sink/backoff.ts';
import type { DeliveryReport } from '../sink/send-window.ts';
import type { ExecutionEnd } from '../sink/execution-follower.ts';
import type { RecordEntry } from '../offsets/ledger.ts';
import type { RecordRef, Window } from '../window/window.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/**
 * The audit trail of each erasure on a Kafka topic: one `deletion_sent`
 * record per event whose lines the API accepted (keyed by event_id), and one
 * `execution_ended` record per execution once its outcome is known (keyed by
 * execution id). Receipts carry ids and counts, never identifier values.
 */
export class ReceiptWriter {
  private readonly output: DurableProducer;

  constructor(kafka: Kafka, topic: string, backoff: BackoffPolicy, logger: Logger, counters: Metrics) {
    this.output = new DurableProducer(kafka, topic, { backoff, failureCounter: 'receipt_write_failures_total' }, logger, counters);
  }

  /** Resolves once every receipt of the window is acknowledged; the window's offsets wait for it. */
  eventsSent(window: Window, report: DeliveryReport): Promise<void> {
    const rejected = new Set<RecordEntry>(report.rejected.flatMap((rejection) => rejection.owners.map((owner) => owner.entry)));
    const byEvent = new Map<RecordEntry, { ref: RecordRef; executionIds: Set<string>; lines: number; sentAt: number }>();

    for (const execution of report.executions) {
      for (const index of execution.indexes) {
        for (const owner of window.owners[index] ?? []) {
          if (rejected.has(owner.entry)) continue;
          let receipt = byEvent.get(owner.entry);
          if (!receipt) {
            receipt = { ref: owner, executionIds: new Set(), lines: 0, sentAt: execution.acceptedAt };
            byEvent.set(owner.entry, receipt);
          }
          receipt.executionIds.add(execution.id);
          receipt.lines += 1;
          receipt.sentAt = Math.max(receipt.sentAt, execution.acceptedAt);
        }
      }
    }

    const writes = [...byEvent.values()].map(({ ref, executionIds, lines, sentAt }) =>
      this.output.write({
        key: ref.eventId,
        value: JSON.stringify({
          type: 'deletion_sent',
          event_id: ref.eventId,
          datamart_id: window.key.datamartId,
          document_type: window.key.documentType,
          document_import_id: report.importId,
          execution_ids: [...executionIds],
          lines,
          sent_at: new Date(sentAt).toISOString(),
          source: { topic: ref.record.topic, partition: ref.record.partition, offset: ref.record.offset },
        }),
        headers: { 'receipt.type': 'deletion_sent' },
      }),
    );
    return Promise.all(writes).then(() => undefined);
  }

  executionEnded(end: ExecutionEnd): Promise<void> {
    const { execution } = end;
    return this.output.write({
      key: execution.executionId,
      value: JSON.stringify({
        type: 'execution_ended',
        execution_id: execution.executionId,
        datamart_id: execution.datamartId,
        document_import_id: execution.importId,
        status: end.status,
        succeeded: end.succeeded,
        total_success: end.totalSuccess ?? null,
        total_failure: end.totalFailure ?? null,
        lines: execution.lines,
        accepted_at: new Date(execution.acceptedAt).toISOString(),
        ended_at: new Date(end.endedAt).toISOString(),
      }),
      headers: { 'receipt.type': 'execution_ended' },
    });
  }

  close(): Promise<void> {
    return this.output.close();
  }
}
