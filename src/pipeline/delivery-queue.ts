import type { Window } from '../window/window.ts';
import type { DeliveryReport } from '../sink/send-window.ts';

/** Sends one window; the real sender POSTs it, the dry-run sender writes it to a file. */
export interface Sender {
  send(window: Window, signal: AbortSignal): Promise<DeliveryReport>;
}
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/**
 * Sends cut windows in the order they were cut, with at most `concurrency`
 * POSTs in flight. `onDelivered` runs once per window after every line was
 * delivered or rejected for good.
 */
export class DeliveryQueue {
  private readonly queue: Window[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sender: Sender;
  private readonly concurrency: number;
  private readonly onDelivered: (window: Window, report: DeliveryReport) => Promise<void>;
  private readonly beforeSend: (window: Window) => Window | undefined;
  private readonly logger: Logger;
  private readonly counters: Metrics;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(
    sender: Sender,
    concurrency: number,
    onDelivered: (window: Window, report: DeliveryReport) => Promise<void>,
    beforeSend: (window: Window) => Window | undefined,
    logger: Logger,
    counters: Metrics,
  ) {
    this.sender = sender;
    this.concurrency = concurrency;
    this.onDelivered = onDelivered;
    this.beforeSend = beforeSend;
    this.logger = logger;
    this.counters = counters;
  }

  push(window: Window): void {
    this.counters.increment('windows_flushed_total', { trigger: window.trigger ?? 'unknown' });
    this.queue.push(window);
    this.pump();
  }

  /** Windows waiting or being sent. */
  size(): number {
    return this.queue.length + this.inFlight.size;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.size() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Abandons every retry in progress; their records stay unsettled and uncommitted. */
  cancel(reason: Error): void {
    this.abort.abort(reason);
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const window = this.queue.shift()!;
      const task = this.deliver(window).finally(() => {
        this.inFlight.delete(task);
        this.pump();
        if (this.size() === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
      this.inFlight.add(task);
    }
  }

  private async deliver(queued: Window): Promise<void> {
    const window = this.beforeSend(queued);
    if (!window) return;
    const started = Date.now();
    let report: DeliveryReport;
    try {
      report = await this.sender.send(window, this.abort.signal);
    } catch (error) {
      if (this.abort.signal.aborted) {
        this.logger.warn({ windowId: window.id, lineCount: window.lines.length }, 'window abandoned before delivery; its records stay uncommitted');
        return;
      }
      // Only a programmer error gets here: the sender retries everything else.
      this.logger.fatal({ err: error, windowId: window.id }, 'window delivery failed unexpectedly');
      throw error;
    }

    this.logger.info(
      {
        windowId: window.id,
        datamartId: window.key.datamartId,
        documentType: window.key.documentType,
        importId: report.importId,
        executionIds: report.executions.map((execution) => execution.id),
        lineCount: window.lines.length,
        bytes: window.bytes,
        trigger: window.trigger,
        rejectedEvents: report.rejected.reduce((sum, rejected) => sum + rejected.owners.length, 0),
        durationMs: Date.now() - started,
      },
      'window delivered',
    );
    await this.onDelivered(window, report);
  }
}
