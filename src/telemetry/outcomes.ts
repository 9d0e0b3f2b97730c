import { MediarithmicsApiError } from '../sink/errors.ts';

/**
 * Label value for the outcome of one API request, shared by
 * execution_post_duration_seconds{outcome} and execution_posts_total{status_class}.
 */
export type RequestOutcome =
  | '1xx'
  | '2xx'
  | '3xx'
  | '4xx'
  | '5xx'
  | 'timeout'
  | 'connection_error'
  | 'invalid_response'
  | 'aborted'
  | 'other';

/** Returns the HTTP status class such as `2xx`, or `other` for a status outside 100–599. */
export function statusClass(status: number): RequestOutcome {
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'other';
  return `${Math.floor(status / 100) as 1 | 2 | 3 | 4 | 5}xx`;
}

/**
 * Returns the outcome label of a finished API request. Without an error the API
 * responded 2xx, because the client throws for every other status. With one, it
 * is the status class when the API responded, `timeout` or `connection_error`
 * when it did not, `invalid_response` when a 2xx body could not be read, and
 * `aborted` when the connector cancelled the request itself (callers usually
 * record nothing for that one). Any other error gives `other`.
 */
export function requestOutcome(error?: unknown): RequestOutcome {
  if (error === undefined) return '2xx';
  if (!(error instanceof MediarithmicsApiError)) return 'other';
  if (error.status !== undefined) return statusClass(error.status);

  switch (error.code) {
    case 'ERR_MICS_TIMEOUT':
      return 'timeout';
    case 'ERR_MICS_CONNECTION':
      return 'connection_error';
    case 'ERR_MICS_BAD_RESPONSE':
      return 'invalid_response';
    case 'ERR_MICS_ABORTED':
      return 'aborted';
    case 'ERR_MICS_HTTP_STATUS':
      return 'other';
  }
}

/**
 * Seconds from `startMs` to `endMs`, never negative: an event whose producer
 * clock runs ahead of ours counts as erased at once, not before it happened.
 */
export function elapsedSeconds(startMs: number, endMs: number): number {
  return Math.max(0, endMs - startMs) / 1000;
}
