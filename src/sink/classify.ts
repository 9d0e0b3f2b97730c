import { MediarithmicsApiError } from './errors.ts';

/**
 * The action to take after one API call. This is the only place that maps an
 * HTTP outcome to an action, so the retry policy can be read in one screen.
 */
export type Action =
  | { kind: 'delivered' }
  /** Transient: retry the same lines after a backoff (or the server's Retry-After). */
  | { kind: 'retry'; retryAfterMs: number | undefined }
  /** The token is refused: keep the lines, pause consumption, retry slowly. */
  | { kind: 'wait_for_auth' }
  /** The API rejected the body (400) or its size (413): split it to isolate the cause. */
  | { kind: 'split' }
  /** Permanent for these lines: dead-letter their events with the status. */
  | { kind: 'reject' };

export function classifyStatus(status: number): Action['kind'] {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 401 || status === 403) return 'wait_for_auth';
  if (status === 400 || status === 413) return 'split';
  if (status === 408 || status === 429) return 'retry';
  if (status === 501) return 'reject';
  if (status >= 500) return 'retry';
  return 'reject';
}

export function classifyError(error: unknown): Action {
  if (!(error instanceof MediarithmicsApiError)) {
    // A programmer error must surface, not loop in a retry.
    throw error;
  }
  if (error.status !== undefined) {
    const kind = classifyStatus(error.status);
    if (kind === 'retry') return { kind, retryAfterMs: error.retryAfterMs };
    if (kind === 'delivered') return { kind: 'delivered' };
    return { kind } as Action;
  }
  if (error.retriable) return { kind: 'retry', retryAfterMs: undefined };
  return { kind: 'reject' };
}

/**
 * Parses Retry-After as delay-seconds or an HTTP date; returns ms from `now`, or
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;

  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
