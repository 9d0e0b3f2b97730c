import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { AcceptedExecution, ApiState } from './api-context.ts';
import { handleControl, isControlPath } from './control.ts';
import type { ControlTarget } from './control.ts';
import { errorResponse } from './envelope.ts';
import type { ApiResponse } from './envelope.ts';
import { readBody, writeResponse } from './http-io.ts';
import { pathSegments, resolveRoute } from './routes.ts';
import { ScriptQueue, isSuccessStatus, parseScriptedReplies } from './script.ts';
import type { ScriptedReply } from './script.ts';
import { Store } from './store.ts';
import type { DocumentImport, ExecutionTimings } from './store.ts';
import { Waiters } from './waiters.ts';

export type { ExecutionOutcome, FinalStatus, ScriptMatch, ScriptedReply } from './script.ts';
export type { DocumentImport, ExecutionTimings, ExecutionView } from './store.ts';

/** 100 MiB, the file size that the mediarithmics bulk import guide recommends staying under. */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

export interface StandInOptions {
  /** API token that requests must send as is in the Authorization header. */
  token: string;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 0, which picks a free port. */
  port?: number;
  /** Datamart ids that exist. By default every all-digit id exists. */
  knownDatamarts?: string[];
  /** Maximum request body size in bytes. Larger bodies get 413. Defaults to 100 MiB. */
  maxBodyBytes?: number;
  /**
   * Time-based execution progress. By default an execution moves one step forward each
   * time its import's executions are listed.
   */
  executionTimings?: ExecutionTimings;
  /** Called once the stand-in has responded to, dropped or abandoned a request, including control requests. */
  onRequest?: (request: RecordedRequest) => void;
}

/** Result of comparing a request's Authorization header with the token. Records never contain the token itself. */
export type AuthorizationState = 'valid' | 'invalid' | 'missing' | 'not_required';

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** The status sent, or null when no reply was sent. */
  status: number | null;
  authorization: AuthorizationState;
  /** Whether a scripted reply applied to this request. */
  scripted: boolean;
  /** Whether a scripted reply destroyed the connection instead of replying. */
  dropped: boolean;
  /** Whether this is a control request, which `StandIn.requests` leaves out. */
  control: boolean;
  /** ISO 8601 time at which the request arrived. */
  receivedAt: string;
  durationMs: number;
  /** Reason the request failed inside the stand-in or was abandoned. */
  error?: string;
}

/**
 * An execution that the stand-in accepted and reported to the client with a 2xx status.
 * Every accepted execution passed the token check.
 */
export interface RecordedExecution extends AcceptedExecution {
  /** ISO 8601 time at which the request arrived. */
  receivedAt: string;
}

export interface StandIn {
  /** Base URL without a trailing slash, such as http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** Accepted executions in arrival order. `reset()` empties this array in place. */
  readonly executions: RecordedExecution[];
  /** API requests in the order the stand-in finished them. Control requests are left out. */
  readonly requests: RecordedRequest[];
  imports(): DocumentImport[];
  /** Queues scripted replies. Throws ScriptError when a reply is invalid, and queues none of them then. */
  script(...replies: ScriptedReply[]): void;
  /** Returns the scripted replies not used up yet. */
  pendingScript(): ScriptedReply[];
  /** Forgets imports, executions, recorded traffic and scripted replies. Ids are not reused. */
  reset(): void;
  /** Resolves once `predicate` holds, checking after each recorded request or execution. */
  waitFor(predicate: () => boolean, timeoutMs?: number, description?: string): Promise<void>;
  /** Resolves with the recorded executions once at least `count` are recorded. */
  waitForExecutions(count: number, timeoutMs?: number): Promise<RecordedExecution[]>;
  /** Resolves with the lines of all recorded executions once they total at least `count`. */
  waitForLines(count: number, timeoutMs?: number): Promise<unknown[]>;
  /** Resolves with the recorded API requests once at least `count` are recorded. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening, cuts open connections and rejects pending waits. */
  close(): Promise<void>;
}

/** Starts a stand-in and resolves once it listens. */
export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const standIn = new StandInServer(options);
  await standIn.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return standIn;
}

class StandInServer implements StandIn, ControlTarget {
  readonly executions: RecordedExecution[] = [];
  readonly requests: RecordedRequest[] = [];
  url = '';
  port = 0;

  private readonly token: string;
  private readonly maxBodyBytes: number;
  private readonly onRequest: ((request: RecordedRequest) => void) | undefined;
  private readonly state: ApiState;
  private readonly queue = new ScriptQueue();
  private readonly waiters = new Waiters();
  private readonly closing = new AbortController();
  private readonly server: Server;
  private closed: Promise<void> | undefined;

  constructor(options: StandInOptions) {
    if (typeof options.token !== 'string' || options.token === '') {
      throw new Error('StandInOptions.token must be a non-empty string');
    }
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
      throw new Error(`StandInOptions.maxBodyBytes must be a positive integer, received ${maxBodyBytes}`);
    }
    const timings = options.executionTimings;
    if (timings !== undefined && !(isNonNegativeInteger(timings.pendingMs) && isNonNegativeInteger(timings.runningMs))) {
      throw new Error('StandInOptions.executionTimings must have non-negative integer pendingMs and runningMs');
    }

    this.token = options.token;
    this.maxBodyBytes = maxBodyBytes;
    this.onRequest = options.onRequest;
    this.state = {
      store: new Store(timings),
      knownDatamarts: options.knownDatamarts === undefined ? undefined : new Set(options.knownDatamarts),
    };
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.port = address.port;
        this.url = `http://${urlHost}:${address.port}`;
        resolve();
      });
    });
  }

  imports(): DocumentImport[] {
    return this.state.store.allImports();
  }

  script(...replies: ScriptedReply[]): void {
    this.queue.add(parseScriptedReplies(replies));
  }

  pendingScript(): ScriptedReply[] {
    return this.queue.pending();
  }

  reset(): void {
    this.queue.clear();
    this.state.store.reset();
    this.executions.length = 0;
    this.requests.length = 0;
  }

  waitFor(predicate: () => boolean, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, description = 'the condition'): Promise<void> {
    return this.waiters.wait(predicate, timeoutMs, () => description);
  }

  async waitForExecutions(count: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<RecordedExecution[]> {
    await this.waiters.wait(
      () => this.executions.length >= count,
      timeoutMs,
      () => `${plural(count, 'execution')}, with ${this.executions.length} recorded`,
    );
    return [...this.executions];
  }

  async waitForLines(count: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<unknown[]> {
    const allLines = (): unknown[] => this.executions.flatMap((execution) => execution.lines);
    await this.waiters.wait(
      () => allLines().length >= count,
      timeoutMs,
      () => `${plural(count, 'line')}, with ${allLines().length} recorded`,
    );
    return allLines();
  }

  async waitForRequests(count: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<RecordedRequest[]> {
    await this.waiters.wait(
      () => this.requests.length >= count,
      timeoutMs,
      () => `${plural(count, 'request')}, with ${this.requests.length} recorded`,
    );
    return [...this.requests];
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.closing.abort();
      this.waiters.close('the stand-in was closed');
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = request.method ?? 'GET';
    const url = parseRequestUrl(request.url);
    const control = isControlPath(url.pathname);
    const entry: RecordedRequest = {
      method,
      path: url.pathname + url.search,
      status: null,
      authorization: control ? 'not_required' : this.authorizationState(request.headers.authorization),
      scripted: false,
      dropped: false,
      control,
      receivedAt: new Date().toISOString(),
      durationMs: 0,
    };

    try {
      const body = await readBody(request, this.maxBodyBytes);
      if (body.kind === 'too_large') {
        const message = `Request body of ${body.receivedBytes} bytes exceeds the maximum of ${this.maxBodyBytes} bytes`;
        const tooLarge = errorResponse(413, message, { max_body_bytes: this.maxBodyBytes }, { connection: 'close' });
        this.send(request, response, entry, tooLarge);
      } else if (control) {
        this.send(request, response, entry, handleControl(this, method, url.pathname, body.body));
      } else {
        await this.handleApi(request, response, entry, url, body.body);
      }
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      if (this.closing.signal.aborted || response.headersSent || request.socket.destroyed) {
        request.socket.destroy();
      } else {
        this.send(request, response, entry, errorResponse(500, `Stand-in failed to handle the request: ${entry.error}`));
      }
    }

    entry.durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    this.finish(entry);
  }

  private async handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    entry: RecordedRequest,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    if (entry.authorization !== 'valid') {
      this.send(request, response, entry, this.unauthorized(request.headers.authorization));
      return;
    }

    const segments = pathSegments(url.pathname);
    if (segments === undefined) {
      this.send(request, response, entry, errorResponse(400, `Request path ${url.pathname} is not valid percent-encoding`));
      return;
    }
    const resolution = resolveRoute(entry.method, segments);
    if (resolution.kind === 'not_found') {
      this.send(request, response, entry, errorResponse(404, `Route ${entry.method} ${url.pathname} not found`));
      return;
    }
    if (resolution.kind === 'method_not_allowed') {
      const message = `Method ${entry.method} is not allowed on ${url.pathname}, which accepts ${resolution.allowed.join(', ')}`;
      const headers = { allow: resolution.allowed.join(', ') };
      this.send(request, response, entry, errorResponse(405, message, {}, headers));
      return;
    }

    const scripted = this.queue.take(resolution.target, entry.method);
    entry.scripted = scripted !== undefined;
    if (scripted?.drop === true) {
      await this.delay(scripted.delayMs);
      entry.dropped = true;
      request.socket.destroy();
      return;
    }
    if (scripted?.status !== undefined && !isSuccessStatus(scripted.status)) {
      await this.delay(scripted.delayMs);
      this.send(request, response, entry, scriptedFailure(scripted, scripted.status));
      return;
    }

    const result = resolution.handler({
      state: this.state,
      method: entry.method,
      params: resolution.params,
      query: url.searchParams,
      headers: request.headers,
      body,
      now: Date.now(),
      outcome: scripted?.outcome,
    });
    // Recording happens before any scripted delay, because the stand-in has accepted the
    // execution even if the client gives up waiting for the reply.
    if (result.accepted !== undefined) {
      this.executions.push({ ...result.accepted, receivedAt: entry.receivedAt });
      this.waiters.notify();
    }

    let apiResponse = result.response;
    if (scripted !== undefined && isSuccessStatus(apiResponse.status)) {
      apiResponse = applyScriptedOverrides(apiResponse, scripted);
    }
    await this.delay(scripted?.delayMs);
    this.send(request, response, entry, apiResponse);
  }

  private authorizationState(header: string | undefined): AuthorizationState {
    if (header === undefined) {
      return 'missing';
    }
    return header === this.token ? 'valid' : 'invalid';
  }

  private unauthorized(header: string | undefined): ApiResponse {
    if (header === undefined) {
      return errorResponse(401, 'Authorization header is missing. Send the API token as is, without a Bearer prefix');
    }
    if (header === `Bearer ${this.token}`) {
      return errorResponse(401, 'Authorization header must contain the API token as is, without the Bearer prefix');
    }
    return errorResponse(401, 'API token in the Authorization header is invalid');
  }

  private async delay(delayMs: number | undefined): Promise<void> {
    if (delayMs !== undefined && delayMs > 0) {
      await sleep(delayMs, undefined, { signal: this.closing.signal });
    }
  }

  private send(request: IncomingMessage, response: ServerResponse, entry: RecordedRequest, apiResponse: ApiResponse): void {
    if (request.socket.destroyed) {
      entry.error = 'Client closed the connection before the reply';
      return;
    }
    entry.status = apiResponse.status;
    writeResponse(response, apiResponse);
  }

  private finish(entry: RecordedRequest): void {
    if (!entry.control) {
      this.requests.push(entry);
      this.waiters.notify();
    }
    if (this.onRequest === undefined) {
      return;
    }
    try {
      this.onRequest(entry);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`Stand-in onRequest callback failed: ${message}`);
    }
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function isNonNegativeInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Parses the request target. A target like `//x` stays a path instead of becoming a host name. */
function parseRequestUrl(target: string | undefined): URL {
  const path = target !== undefined && target.startsWith('/') ? target : '/';
  return new URL(`http://stand-in.invalid${path}`);
}

function scriptedFailure(scripted: ScriptedReply, status: number): ApiResponse {
  const fallback = errorResponse(status, `Scripted reply with status ${status}`).body;
  const apiResponse: ApiResponse = { status, body: scripted.body ?? fallback };
  if (scripted.headers !== undefined) {
    apiResponse.headers = scripted.headers;
  }
  return apiResponse;
}

function applyScriptedOverrides(apiResponse: ApiResponse, scripted: ScriptedReply): ApiResponse {
  return {
    status: scripted.status ?? apiResponse.status,
    body: scripted.body ?? apiResponse.body,
    headers: { ...apiResponse.headers, ...scripted.headers },
  };
}
