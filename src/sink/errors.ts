/** Stable codes for failures talking to the mediarithmics API. */
export type ApiErrorCode =
  | 'ERR_MICS_HTTP_STATUS'
  | 'ERR_MICS_TIMEOUT'
  | 'ERR_MICS_CONNECTION'
  | 'ERR_MICS_BAD_RESPONSE'
  | 'ERR_MICS_ABORTED';

/**
 * A failed API call. `retriable` is decided where the error is created, from the
 * status or the transport failure, so callers never match on message text.
 */
export class MediarithmicsApiError extends Error {
  readonly code: ApiErrorCode;
  readonly retriable: boolean;
  readonly status: number | undefined;
  /** Delay the server asked for with Retry-After, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** 1-based line numbers the API reported as invalid, when it reported them. */
  readonly invalidLines: number[] | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { retriable: boolean; status?: number; retryAfterMs?: number; invalidLines?: number[]; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'MediarithmicsApiError';
    this.code = code;
    this.retriable = options.retriable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.invalidLines = options.invalidLines;
  }
}
