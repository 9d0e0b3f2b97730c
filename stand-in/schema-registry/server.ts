/**
 * A local stand-in for a Confluent-compatible Schema Registry, for tests and manual runs. It
 * keeps schemas in memory, records every API request, and can be scripted to fail, slow down
 * or drop connections. It binds 127.0.0.1 unless the host option is set.
 */

import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { FaultQueue, FaultScriptError, parseFaults } from './faults.ts';
import type { RegistryFault } from './faults.ts';
import { errorBody, resolveRoute, runHandler } from './routes.ts';
import type { RouteResponse } from './routes.ts';
import { RegistryStore } from './store.ts';

export type { RegistryFault } from './faults.ts';
export type { SchemaReference, SchemaType } from './store.ts';

/** Content type of every Schema Registry response body. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Path prefix of the control routes, which need no credentials. */
export const CONTROL_PREFIX = '/_stand-in';

/** Largest accepted request body. Real registries accept schemas of a few MiB at most. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface SchemaRegistryOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 0, which picks a free port. */
  port?: number;
  /** When set, every API request must carry these HTTP Basic credentials, else it gets 401. */
  auth?: { username: string; password: string };
  /** Called once the stand-in has replied to, dropped or abandoned a request. */
  onRequest?: (request: RecordedRequest) => void;
}

export type AuthorizationState = 'valid' | 'invalid' | 'missing' | 'not_required';

export interface RecordedRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  /** The status sent, or null when no reply was sent. */
  status: number | null;
  authorization: AuthorizationState;
  /** Whether a scripted fault applied to this request. */
  scripted: boolean;
  /** Whether a scripted fault destroyed the connection instead of replying. */
  dropped: boolean;
  /** Whether this is a control request, which `requests` leaves out. */
  control: boolean;
  /** ISO 8601 time at which the request arrived. */
  receivedAt: string;
  durationMs: number;
  /** Reason the request failed inside the stand-in or was abandoned. */
  error?: string;
}

export interface SchemaRegistryStandIn {
  /** Base URL without a trailing slash, such as http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  /** API requests in the order the stand-in finished them. Control requests are left out. */
  readonly requests: RecordedRequest[];
  /** Queues scripted faults. Throws FaultScriptError when one is invalid, and queues none of them then. */
  script(...faults: RegistryFault[]): void;
  /** Returns the scripted faults still active. */
  pendingScript(): RegistryFault[];
  /** Forgets every schema, subject, setting, recorded request and scripted fault. Ids start again at 1. */
  reset(): void;
  /** Stops listening and cuts open connections, including delayed ones. */
  close(): Promise<void>;
}

/** Starts a Schema Registry stand-in and resolves once it listens. */
export async function startSchemaRegistry(options: SchemaRegistryOptions = {}): Promise<SchemaRegistryStandIn> {
  const server = new RegistryServer(options);
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return server;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class RegistryServer implements SchemaRegistryStandIn {
  readonly requests: RecordedRequest[] = [];
  url = '';
  port = 0;

  private store = new RegistryStore();
  private readonly faults = new FaultQueue();
  private readonly expectedAuthorization: string | undefined;
  private readonly onRequest: ((request: RecordedRequest) => void) | undefined;
  private readonly closing = new AbortController();
  private readonly server: Server;
  private closed: Promise<void> | undefined;

  constructor(options: SchemaRegistryOptions) {
    if (options.auth !== undefined) {
      const credentials = `${options.auth.username}:${options.auth.password}`;
      this.expectedAuthorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    }
    this.onRequest = options.onRequest;
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

  script(...faults: RegistryFault[]): void {
    this.faults.add(parseFaults(faults), Date.now());
  }

  pendingScript(): RegistryFault[] {
    return this.faults.pending(Date.now());
  }

  reset(): void {
    this.store = new RegistryStore();
    this.faults.clear();
    this.requests.length = 0;
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.closing.abort();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = request.method ?? 'GET';
    const target = request.url !== undefined && request.url.startsWith('/') ? request.url : '/';
    const url = new URL(`http://stand-in.invalid${target}`);
    const control = url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`);
    const entry: RecordedRequest = {
      method,
      path: target,
      status: null,
      authorization: control ? 'not_required' : this.authorizationState(request.headers.authorization),
      scripted: false,
      dropped: false,
      control,
      receivedAt: new Date().toISOString(),
      durationMs: 0,
    };

    try {
      const body = await readBody(request, MAX_BODY_BYTES);
      if (body === undefined) {
        const message = `Request body exceeds the maximum of ${MAX_BODY_BYTES} bytes`;
        this.send(request, response, entry, { ...errorBody(413, 413, message), headers: { connection: 'close' } });
      } else if (control) {
        this.send(request, response, entry, this.handleControl(method, url.pathname, body));
      } else {
        await this.handleApi(request, response, entry, url.pathname, body);
      }
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      if (this.closing.signal.aborted || response.headersSent || request.socket.destroyed) {
        request.socket.destroy();
      } else {
        this.send(request, response, entry, errorBody(500, 50001, `Stand-in failed to handle the request: ${entry.error}`));
      }
    }

    entry.durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    this.finish(entry);
  }

  private async handleApi(request: IncomingMessage, response: ServerResponse, entry: RecordedRequest, pathname: string, body: Buffer): Promise<void> {
    if (entry.authorization === 'missing' || entry.authorization === 'invalid') {
      const unauthorized = errorBody(401, 401, 'Unauthorized');
      this.send(request, response, entry, { ...unauthorized, headers: { 'www-authenticate': 'Basic realm="SchemaRegistry"' } });
      return;
    }

    const fault = this.faults.take(entry.method, pathname, Date.now());
    entry.scripted = fault !== undefined;
    if (fault !== undefined) {
      await this.delay(fault.delayMs);
      if (fault.drop === true) {
        entry.dropped = true;
        request.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        const fallback = errorBody(fault.status, fault.status, `Scripted failure with status ${fault.status}`).body;
        this.send(request, response, entry, { status: fault.status, body: fault.body ?? fallback });
        return;
      }
    }

    const segments = decodeSegments(pathname);
    if (segments === undefined) {
      this.send(request, response, entry, errorBody(400, 400, `Request path ${pathname} is not valid percent-encoding`));
      return;
    }
    const resolution = resolveRoute(entry.method, segments);
    if (resolution.kind === 'not_found') {
      this.send(request, response, entry, errorBody(404, 404, 'HTTP 404 Not Found'));
      return;
    }
    if (resolution.kind === 'method_not_allowed') {
      const notAllowed = errorBody(405, 405, 'HTTP 405 Method Not Allowed');
      this.send(request, response, entry, { ...notAllowed, headers: { allow: resolution.allowed.join(', ') } });
      return;
    }
    this.send(request, response, entry, runHandler(resolution.handler, this.store, resolution.params, body));
  }

  private handleControl(method: string, pathname: string, body: Buffer): RouteResponse {
    const route = `${method} ${pathname}`;
    switch (route) {
      case `GET ${CONTROL_PREFIX}/health`:
        return { status: 200, body: { healthy: true } };
      case `GET ${CONTROL_PREFIX}/requests`:
        return { status: 200, body: this.requests };
      case `GET ${CONTROL_PREFIX}/script`:
        return { status: 200, body: this.pendingScript() };
      case `POST ${CONTROL_PREFIX}/script`:
        return this.scriptFromBody(body);
      case `POST ${CONTROL_PREFIX}/reset`:
        this.reset();
        return { status: 200, body: { reset: true } };
      default:
        return errorBody(404, 404, `Control route ${route} not found`);
    }
  }

  private scriptFromBody(body: Buffer): RouteResponse {
    try {
      this.script(...parseFaults(JSON.parse(body.toString('utf8'))));
      return { status: 200, body: this.pendingScript() };
    } catch (error) {
      if (error instanceof FaultScriptError || error instanceof SyntaxError) {
        return errorBody(400, 400, error.message);
      }
      throw error;
    }
  }

  private authorizationState(header: string | undefined): AuthorizationState {
    if (this.expectedAuthorization === undefined) {
      return 'not_required';
    }
    if (header === undefined) {
      return 'missing';
    }
    const expected = Buffer.from(this.expectedAuthorization);
    const actual = Buffer.from(header);
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? 'valid' : 'invalid';
  }

  private async delay(delayMs: number | undefined): Promise<void> {
    if (delayMs !== undefined && delayMs > 0) {
      await sleep(delayMs, undefined, { signal: this.closing.signal });
    }
  }

  private send(request: IncomingMessage, response: ServerResponse, entry: RecordedRequest, reply: Reply): void {
    if (request.socket.destroyed) {
      entry.error = 'Client closed the connection before the reply';
      return;
    }
    entry.status = reply.status;
    const isText = typeof reply.body === 'string';
    const payload = isText ? (reply.body as string) : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : REGISTRY_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    response.end(payload);
  }

  private finish(entry: RecordedRequest): void {
    if (!entry.control) {
      this.requests.push(entry);
    }
    if (this.onRequest === undefined) {
      return;
    }
    try {
      this.onRequest(entry);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`Schema Registry stand-in onRequest callback failed: ${message}`);
    }
  }
}

/** Reads a request body, or returns undefined when it is larger than `maxBytes`. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    request.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= maxBytes) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(receivedBytes > maxBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) {
        reject(new Error('Client closed the connection before sending the whole body'));
      }
    });
  });
}

/** Splits a path into percent-decoded segments, or returns undefined for invalid percent-encoding. */
function decodeSegments(pathname: string): string[] | undefined {
  const raw = pathname.split('/').slice(1);
  if (raw.length > 0 && raw.at(-1) === '') {
    raw.pop();
  }
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
