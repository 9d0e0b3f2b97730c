import { randomUUID } from 'node:crypto';

/**
 * A response produced by a route handler before the server writes it. Handlers return
 * this instead of writing to the socket, so that scripted replies can override the
 * status, body or headers of a request that the stand-in has really processed.
 */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Extra machine-readable fields that some error envelopes carry next to `error`. */
export type ErrorDetails = Record<string, unknown>;

export function okResponse(data: unknown, status = 200): ApiResponse {
  return { status, body: { status: 'ok', data } };
}

export interface ListPage {
  firstResult: number;
  maxResults: number;
}

/**
 * Builds the paginated list envelope. `count` is the number of items on this page and
 * `total` the number of items across all pages.
 */
export function listResponse(items: readonly unknown[], page: ListPage): ApiResponse {
  const data = items.slice(page.firstResult, page.firstResult + page.maxResults);
  return {
    status: 200,
    body: {
      status: 'ok',
      data,
      count: data.length,
      first_result: page.firstResult,
      max_results: page.maxResults,
      total: items.length,
    },
  };
}

/**
 * Builds the error envelope `{status: "error", error, error_id}`. The real API uses
 * `error_id` as a support reference, so each error gets a fresh random id.
 */
export function errorResponse(
  status: number,
  message: string,
  details: ErrorDetails = {},
  headers?: Record<string, string>,
): ApiResponse {
  const body = { status: 'error', error: message, error_id: randomUUID(), ...details };
  return headers === undefined ? { status, body } : { status, body, headers };
}
