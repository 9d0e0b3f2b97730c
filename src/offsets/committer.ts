import type { OffsetTracker, CommitRequest } from './tracker.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export type CommitFunction = (offsets: { topic: string; partition: number; offset: string; metadata: string }[]) => Promise<void>;

/**
 * Commits the settled prefix of every owned partition, at most once per
 * `minIntervalMs`, one commit at a time. A failed commit is retried on the next
 * round; the offsets stay where they were, so nothing is skipped.
 */
export class Committer {
  private readonly tracker: OffsetTracker;
  private readonly commit: CommitFunction;
  private readonly minIntervalMs: number;
  private readonly logger: Logger;
  private readonly counters: Metrics;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // Starts at construction so the first commit also waits one interval.
  private lastCommitAt = Date.now();
  private dirty = false;
  private stopped = false;

  constructor(tracker: OffsetTracker, commit: CommitFunction, options: { minIntervalMs: number }, logger: Logger, counters: Metrics) {
    this.tracker = tracker;
    this.commit = commit;
    this.minIntervalMs = options.minIntervalMs;
    this.logger = logger;
    this.counters = counters;
  }

  /** Asks for a commit soon; calls are coalesced. */
  request(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer || this.running) return;

    const wait = Math.max(0, this.lastCommitAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().then(() => undefined).finally(() => {
        this.running = undefined;
        if (this.dirty) this.request();
      });
    }, wait);
  }

  /** Commits what is settled now, ignoring the interval; used when draining. */
  async flush(): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) await this.running;
    this.dirty = true;
    return this.runOnce();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runOnce(): Promise<boolean> {
    this.dirty = false;
    const requests = this.tracker.commitRequests();
    if (requests.length === 0) return true;

    this.lastCommitAt = Date.now();
    try {
      await this.commit(requests.map(toKafkaOffset));
    } catch (error) {
      this.dirty = true;
      this.counters.increment('offset_commit_failures_total');
      this.logger.warn({ err: error, partitions: requests.length }, 'offset commit failed; retrying');
      return false;
    }

    for (const request of requests) request.ledger.markCommitted(request.offset);
    this.counters.increment('offset_commits_total');
    this.logger.debug({ offsets: requests.map(toKafkaOffset) }, 'offsets committed');
    return true;
  }
}

function toKafkaOffset(request: CommitRequest): { topic: string; partition: number; offset: string; metadata: string } {
  return { topic: request.topic, partition: request.partition, offset: request.offset.toString(), metadata: request.metadata };
}
