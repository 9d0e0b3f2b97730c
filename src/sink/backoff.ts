export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Cap on a delay asked for by Retry-After; defaults to maxDelayMs. */
  maxRetryAfterMs?: number;
}

/**
 * Capped exponential backoff with full jitter: a random delay in
 * [0, min(max, base * 2^attempt)]. A server's Retry-After wins over the
 * computed delay but has its own cap, so one response cannot stall the sink
 * for hours. `attempt` starts at 0.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs ?? policy.maxDelayMs);

  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
