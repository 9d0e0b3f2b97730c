import type { Execution, MediarithmicsClient } from './client.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface FollowedExecution {
  datamartId: string;
  importId: string;
  executionId: string;
  windowId: number;
  lines: number;
  acceptedAt: number;
}

export interface ExecutionEnd {
  execution: FollowedExecution;
  status: string;
  totalSuccess: number | undefined;
  totalFailure: number | undefined;
  /** True for SUCCEEDED/SUCCESS without failed lines. */
  succeeded: boolean;
  endedAt: number;
}

const successStatuses = new Set(['SUCCEEDED', 'SUCCESS']);
const failureStatuses = new Set(['FAILED', 'CANCELED', 'LOST', 'EXECUTOR_NOT_RESPONDING']);
const pageSize = 100;
const maxPages = 10;

export interface FollowerOptions {
  /** Time between two polls of the executions list, in ms. */
  intervalMs: number;
  /** After this many ms without an end, the execution is reported as not followed any more. */
  timeoutMs: number;
}

/**
 * Follows accepted executions in the executions list until they end, because
 * a 2xx on the POST only means the file was received: the import itself can
 * still fail, or succeed with failed lines. Offsets do not wait for this; the
 * outcome is logged, counted and passed to `onEnd` (the receipts topic).
 */
export class ExecutionFollower {
  private readonly pending = new Map<string, FollowedExecution>();
  private readonly client: MediarithmicsClient;
  private readonly limiter: RateLimiter;
  private readonly options: FollowerOptions;
  private readonly logger: Logger;
  private readonly counters: Metrics;
  private readonly onEnd: (end: ExecutionEnd) => Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    client: MediarithmicsClient,
    limiter: RateLimiter,
    options: FollowerOptions,
    logger: Logger,
    counters: Metrics,
    onEnd: (end: ExecutionEnd) => Promise<void>,
  ) {
    this.client = client;
    this.limiter = limiter;
    this.options = options;
    this.logger = logger;
    this.counters = counters;
    this.onEnd = onEnd;
  }

  follow(execution: FollowedExecution): void {
    if (this.stopped) return;
    this.pending.set(`${execution.datamartId}/${execution.importId}/${execution.executionId}`, execution);
    this.schedule();
  }

  size(): number {
    return this.pending.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => {
        if (this.pending.size > 0) this.schedule();
      });
    }, this.options.intervalMs);
  }

  private async poll(): Promise<void> {
    const byImport = new Map<string, FollowedExecution[]>();
    for (const execution of this.pending.values()) {
      const key = `${execution.datamartId}/${execution.importId}`;
      byImport.set(key, [...(byImport.get(key) ?? []), execution]);
    }

    for (const executions of byImport.values()) {
      const { datamartId, importId } = executions[0]!;
      const wanted = new Map(executions.map((execution) => [execution.executionId, execution]));
      try {
        for (let page = 0; page < maxPages && wanted.size > 0; page += 1) {
          await this.limiter.take();
          const listed = await this.client.listExecutions(datamartId, importId, page * pageSize, pageSize);
          for (const item of listed) {
            const followed = wanted.get(item.id);
            if (!followed) continue;
            wanted.delete(item.id);
            await this.check(followed, item);
          }
          if (listed.length < pageSize) break;
        }
      } catch (error) {
        this.counters.increment('execution_follow_up_errors_total');
        this.logger.warn({ err: error, datamartId, importId }, 'listing executions failed; the follow-up retries on the next poll');
      }

      const now = Date.now();
      for (const execution of wanted.values()) {
        if (now - execution.acceptedAt < this.options.timeoutMs) continue;
        this.forget(execution);
        this.counters.increment('execution_follow_up_total', { status: 'NOT_FOLLOWED' });
        this.logger.warn({ datamartId, importId, executionId: execution.executionId, windowId: execution.windowId }, 'execution did not end within the follow-up timeout; no longer followed');
      }
    }
  }

  private async check(followed: FollowedExecution, execution: Execution): Promise<void> {
    const status = String(execution.status ?? '').toUpperCase();
    if (!successStatuses.has(status) && !failureStatuses.has(status)) return;

    this.forget(followed);
    const totalSuccess = execution.result?.total_success ?? undefined;
    const totalFailure = execution.result?.total_failure ?? undefined;
    const succeeded = successStatuses.has(status) && !(totalFailure && totalFailure > 0);
    this.counters.increment('execution_follow_up_total', { status });
    const context = {
      datamartId: followed.datamartId,
      importId: followed.importId,
      executionId: followed.executionId,
      windowId: followed.windowId,
      status,
      totalSuccess,
      totalFailure,
      lineCount: followed.lines,
    };
    if (succeeded) {
      this.logger.info(context, 'execution succeeded');
    } else {
      if (totalFailure) this.counters.increment('execution_line_failures_total', {}, totalFailure);
      this.logger.error({ ...context, error: execution.error?.message?.slice(0, 300) }, 'execution ended with failures');
    }
    await this.onEnd({ execution: followed, status, totalSuccess, totalFailure, succeeded, endedAt: Date.now() }).catch((error: unknown) =>
      this.logger.warn({ err: error, executionId: followed.executionId }, 'recording the execution end failed'),
    );
  }

  private forget(execution: FollowedExecution): void {
    this.pending.delete(`${execution.datamartId}/${execution.importId}/${execution.executionId}`);
  }
}
