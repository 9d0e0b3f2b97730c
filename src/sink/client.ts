import { Agent, request, errors as undiciErrors } from 'undici';
import { parseRetryAfter } from './classify.ts';
import { MediarithmicsApiError } from './errors.ts';
import type { DocumentType } from '../window/window.ts';

export interface ClientOptions {
  /** Base URL without /v1, e.g. https://api.mediarithmics.com */
  url: string;
  token: string;
  requestTimeoutMs: number;
  /** Upper bound on open connections, matching the execution concurrency. */
  connections: number;
}

export interface DocumentImport {
  id: string;
  datamart_id?: string;
  document_type: string;
  mime_type?: string;
  name?: string;
}

export interface Execution {
  id: string;
  status: string;
  result?: { total_success?: number; total_failure?: number; error_file_uri?: string } | null;
  error?: { message?: string } | null;
}

interface Envelope<T> {
  status: string;
  data: T;
  total?: number;
  count?: number;
}

/**
 * Thin mediarithmics API client: one method per endpoint the connector calls.
 * It never retries; callers decide with the error's `retriable` flag and status.
 */
export class MediarithmicsClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Agent;

  constructor(options: ClientOptions) {
    this.baseUrl = options.url;
    this.token = options.token;
    this.timeoutMs = options.requestTimeoutMs;
    this.dispatcher = new Agent({ connections: options.connections + 2, keepAliveTimeout: 30_000 });
  }

  async listDocumentImports(datamartId: string, keywords: string, firstResult: number, maxResults: number): Promise<{ items: DocumentImport[]; total: number | undefined }> {
    const query = new URLSearchParams({ keywords, first_result: String(firstResult), max_results: String(maxResults) });
    const envelope = await this.call<DocumentImport[]>('GET', `/v1/datamarts/${datamartId}/document_imports?${query}`);
    if (!Array.isArray(envelope.data)) throw badResponse('document import list without a data array');
    return { items: envelope.data, total: envelope.total ?? envelope.count };
  }

  async createDocumentImport(datamartId: string, documentType: DocumentType, name: string): Promise<DocumentImport> {
    const body = JSON.stringify({ document_type: documentType, mime_type: 'APPLICATION_X_NDJSON', encoding: 'utf-8', name });
    const envelope = await this.call<DocumentImport>('POST', `/v1/datamarts/${datamartId}/document_imports`, body, 'application/json');
    if (!envelope.data || typeof envelope.data.id !== 'string' && typeof envelope.data.id !== 'number') {
      throw badResponse('created document import without an id');
    }
    return { ...envelope.data, id: String(envelope.data.id) };
  }

  /** POSTs one ndjson body as a new execution; the body is not retried here. */
  async createExecution(datamartId: string, importId: string, ndjson: string, signal?: AbortSignal): Promise<Execution> {
    const envelope = await this.call<Execution>('POST', `/v1/datamarts/${datamartId}/document_imports/${importId}/executions`, ndjson, 'application/x-ndjson', signal);
    if (!envelope.data || envelope.data.id === undefined) throw badResponse('created execution without an id');
    return { ...envelope.data, id: String(envelope.data.id) };
  }

  /** Lists a document import's executions, newest first as the API returns them. */
  async listExecutions(datamartId: string, importId: string, firstResult: number, maxResults: number): Promise<Execution[]> {
    const query = new URLSearchParams({ first_result: String(firstResult), max_results: String(maxResults) });
    const envelope = await this.call<Execution[]>('GET', `/v1/datamarts/${datamartId}/document_imports/${importId}/executions?${query}`);
    if (!Array.isArray(envelope.data)) throw badResponse('execution list without a data array');
    return envelope.data.map((execution) => ({ ...execution, id: String(execution.id) }));
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: string, contentType?: string, signal?: AbortSignal): Promise<Envelope<T>> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: this.token, accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;

    let response;
    try {
      response = await request(`${this.baseUrl}${path}`, { method, headers, body, dispatcher: this.dispatcher, signal: combined });
    } catch (error) {
      throw transportError(error, signal, timeout, method, path);
    }

    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw transportError(error, signal, timeout, method, path);
    }

    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw statusError(method, path, response.statusCode, text, parseRetryAfter(response.headers['retry-after']));
    }

    try {
      const parsed = JSON.parse(text) as Envelope<T>;
      if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
      return parsed;
    } catch (error) {
      throw badResponse(`${method} ${stripQuery(path)} returned a body that is not a JSON envelope`, error);
    }
  }
}

function stripQuery(path: string): string {
  const index = path.indexOf('?');
  return index === -1 ? path : path.slice(0, index);
}

function badResponse(message: string, cause?: unknown): MediarithmicsApiError {
  // The request may have succeeded on the server, so a retry can duplicate an
  // execution; deletions are idempotent, which makes that safe.
  return new MediarithmicsApiError('ERR_MICS_BAD_RESPONSE', message, { retriable: true, cause });
}

function statusError(method: string, path: string, status: number, text: string, retryAfterMs: number | undefined): MediarithmicsApiError {
  let apiMessage = '';
  let invalidLines: number[] | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; invalid_lines?: unknown };
    if (typeof parsed.error === 'string') apiMessage = parsed.error.slice(0, 300);
    if (Array.isArray(parsed.invalid_lines) && parsed.invalid_lines.every((n) => Number.isInteger(n))) {
      invalidLines = parsed.invalid_lines as number[];
    }
  } catch {
    // Error bodies are not always JSON (proxies, load balancers); the status is enough.
  }
  const retriable = status === 408 || status === 429 || (status >= 500 && status !== 501);
  const detail = apiMessage ? `: ${apiMessage}` : '';
  return new MediarithmicsApiError('ERR_MICS_HTTP_STATUS', `${method} ${stripQuery(path)} returned HTTP ${status}${detail}`, {
    retriable,
    status,
    retryAfterMs,
    invalidLines,
  });
}

function transportError(error: unknown, signal: AbortSignal | undefined, timeout: AbortSignal, method: string, path: string): MediarithmicsApiError {
  const where = `${method} ${stripQuery(path)}`;
  if (signal?.aborted) {
    return new MediarithmicsApiError('ERR_MICS_ABORTED', `${where} was aborted`, { retriable: false, cause: error });
  }
  if (timeout.aborted || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new MediarithmicsApiError('ERR_MICS_TIMEOUT', `${where} timed out`, { retriable: true, cause: error });
  }
  const code = (error as { code?: string }).code;
  return new MediarithmicsApiError('ERR_MICS_CONNECTION', `${where} failed: ${code ?? (error as Error).message}`, { retriable: true, cause: error });
}
