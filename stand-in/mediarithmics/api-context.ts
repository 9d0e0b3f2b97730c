import type { IncomingHttpHeaders } from 'node:http';

import { errorResponse } from './envelope.ts';
import type { ApiResponse, ListPage } from './envelope.ts';
import type { DocumentType } from './document-types.ts';
import type { ExecutionOutcome } from './script.ts';
import type { DocumentImport, Store } from './store.ts';

/** State shared by all route handlers of one stand-in. */
export interface ApiState {
  store: Store;
  /** Datamart ids that exist. When undefined, every all-digit id exists. */
  knownDatamarts: ReadonlySet<string> | undefined;
}

export interface RouteContext {
  state: ApiState;
  method: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  now: number;
  /** The outcome of a scripted reply for this request, used by the execution create handler. */
  outcome: ExecutionOutcome | undefined;
}

/** An execution that the stand-in accepted, before the server adds the time of receipt. */
export interface AcceptedExecution {
  datamartId: string;
  importId: string;
  executionId: string;
  documentType: DocumentType;
  contentType: string;
  body: string;
  lines: unknown[];
}

export interface HandlerResult {
  response: ApiResponse;
  accepted?: AcceptedExecution;
}

export type Handler = (context: RouteContext) => HandlerResult;

// The API's default and maximum page sizes are not documented, so this default is the stand-in's choice.
export const DEFAULT_MAX_RESULTS = 100;

const NON_NEGATIVE_INTEGER = /^\d+$/;

export function reply(response: ApiResponse): HandlerResult {
  return { response };
}

export function param(context: RouteContext, name: string): string {
  const value = context.params[name];
  if (value === undefined) {
    throw new Error(`Route parameter ${name} is missing`);
  }
  return value;
}

/** Returns a 404 response unless the datamart of the path exists. */
export function checkDatamart(context: RouteContext): ApiResponse | undefined {
  const datamartId = param(context, 'datamartId');
  const known = context.state.knownDatamarts;
  const exists = known === undefined ? NON_NEGATIVE_INTEGER.test(datamartId) : known.has(datamartId);
  return exists ? undefined : errorResponse(404, `Datamart ${datamartId} not found`);
}

/** Looks up the datamart and document import of the path, or returns the 404 response. */
export function findImport(context: RouteContext): DocumentImport | ApiResponse {
  const missingDatamart = checkDatamart(context);
  if (missingDatamart !== undefined) {
    return missingDatamart;
  }
  const datamartId = param(context, 'datamartId');
  const importId = param(context, 'importId');
  const documentImport = context.state.store.getImport(datamartId, importId);
  return documentImport ?? errorResponse(404, `Document import ${importId} not found in datamart ${datamartId}`);
}

export function isApiResponse(value: DocumentImport | ApiResponse): value is ApiResponse {
  return 'status' in value && 'body' in value;
}

/** Parses `first_result` and `max_results`, or returns the 400 response naming the invalid one. */
export function parsePage(query: URLSearchParams): ListPage | ApiResponse {
  const firstResult = query.get('first_result') ?? '0';
  const maxResults = query.get('max_results') ?? String(DEFAULT_MAX_RESULTS);
  for (const [name, value] of [
    ['first_result', firstResult],
    ['max_results', maxResults],
  ] as const) {
    if (!NON_NEGATIVE_INTEGER.test(value)) {
      return errorResponse(400, `Query parameter ${name} must be a non-negative integer, received "${value}"`);
    }
  }
  return { firstResult: Number(firstResult), maxResults: Number(maxResults) };
}

/** Parses a JSON request body, or returns the 415 or 400 response that rejects it. */
export function parseJsonBody(context: RouteContext): { value: unknown } | ApiResponse {
  const contentType = context.headers['content-type'];
  if (contentType === undefined || !/^application\/json\s*(;|$)/i.test(contentType)) {
    return errorResponse(415, `Content-Type must be application/json, received ${contentType ?? 'none'}`);
  }
  try {
    return { value: JSON.parse(context.body.toString('utf8')) };
  } catch {
    return errorResponse(400, 'Request body is not valid JSON');
  }
}
