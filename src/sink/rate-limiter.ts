import { sleep } from './backoff.ts';

/**
 * Spaces API requests at least 1000 / `perSecond` ms apart, over every caller,
 * so a backlog or a replay cannot flood the API. Zero disables the limit.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private nextSlot = 0;

  constructor(perSecond: number) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Waits for the caller's turn; rejects with the signal's reason when it aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now, signal);
  }
}
