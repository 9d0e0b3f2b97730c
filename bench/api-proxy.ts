// An HTTP server in front of the mediarithmics stand-in that delays every API
// reply by a fixed latency and counts the executions it receives. The stand-in
// keeps every execution body and parsed line in memory, which is too heavy for
// a backlog of millions of events. So in `count` mode the proxy handles the
// execution routes itself and forwards only the document import routes. In
// `forward` mode every request goes on to the stand-in, which checks each line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseExecutionBody } from '../stand-in/mediarithmics/line-syntax.ts';

export type ProxyMode = 'count' | 'forward';

export interface ApiProxyOptions {
  /** Base URL of the stand-in, without a trailing slash. */
  target: string;
  /** Delay added before every API reply, in ms. Control routes under /_stand-in are not delayed. */
  latencyMs: number;
  mode: ProxyMode;
}

/** Counters of the executions accepted since the last `resetStats()`. */
export interface ExecutionStats {
  posts: number;
  lines: number;
  bytes: number;
  /** Lines of each accepted execution, in arrival order. */
  linesPerPost: number[];
  /** Time in ms from the request headers to the last body byte of each accepted execution: how fast the client uploaded it. */
  uploadMsPerPost: number[];
  /** Execution POSTs that got a status outside 2xx from the stand-in (forward mode only). */
  rejectedPosts: number;
  /** Problems found by the stand-in's line checker in the first execution of the run (count mode). */
  sampleLineErrors: string[];
  /** Other API requests: document import lookups and execution lists. */
  otherRequests: number;
}

interface CountedExecution {
  id: string;
  importId: string;
  datamartId: string;
  lines: number;
  createdAtMs: number;
}

const executionsPath = /^\/v1\/datamarts\/([^/]+)\/document_imports\/([^/]+)\/executions$/;

export class ApiProxy {
  url = '';
  port = 0;
  stats: ExecutionStats = emptyStats();
  /** Called with the body of each accepted execution and the time it arrived, for latency tracking. */
  onExecution: ((body: string, receivedAtMs: number) => void) | undefined;

  private readonly options: ApiProxyOptions;
  private readonly server: Server;
  private counted: CountedExecution[] = [];
  private nextExecutionId = 1_000_000;
  private sampleChecked = false;

  constructor(options: ApiProxyOptions) {
    this.options = options;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!response.headersSent) respondJson(response, 502, { status: 'error', error: `Benchmark proxy failed: ${message}` });
        else response.destroy();
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: 0 }, () => {
        const address = this.server.address() as AddressInfo;
        this.port = address.port;
        this.url = `http://127.0.0.1:${address.port}`;
        resolve();
      });
    });
  }

  /** Starts a new measurement: clears the counters and the executions created in count mode. */
  resetStats(): void {
    this.stats = emptyStats();
    this.counted = [];
    this.sampleChecked = false;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headersAtMs = performance.now();
    const body = await readAll(request);
    const uploadMs = performance.now() - headersAtMs;
    const receivedAtMs = Date.now();
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://proxy.invalid');
    const isApi = !url.pathname.startsWith('/_stand-in/');
    if (isApi && this.options.latencyMs > 0) await sleep(this.options.latencyMs);

    const match = executionsPath.exec(url.pathname);
    if (match && method === 'POST') {
      await this.handleExecutionPost(request, response, url, body, { receivedAtMs, uploadMs }, match[1]!, match[2]!);
      return;
    }
    if (isApi) this.stats.otherRequests += 1;
    if (match && method === 'GET' && this.options.mode === 'count') {
      this.listCounted(response, url, match[2]!);
      return;
    }
    await this.forward(request, response, url, body);
  }

  private async handleExecutionPost(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    body: Buffer,
    timing: { receivedAtMs: number; uploadMs: number },
    datamartId: string,
    importId: string,
  ): Promise<void> {
    const { receivedAtMs } = timing;
    if (this.options.mode === 'forward') {
      const status = await this.forward(request, response, url, body);
      if (status >= 200 && status < 300) this.record(body, timing);
      else this.stats.rejectedPosts += 1;
      return;
    }

    const text = body.toString('utf8');
    if (!this.sampleChecked) {
      // One execution per run goes through the stand-in's own line checker, so a
      // count-mode run still fails loudly when the connector sends invalid lines.
      this.sampleChecked = true;
      const parsed = parseExecutionBody(text, 'USER_POINTS_DELETION', 'APPLICATION_X_NDJSON');
      this.stats.sampleLineErrors = parsed.errors.slice(0, 5).map((error) => `line ${error.line}: ${error.message}`);
    }
    const lines = this.record(body, timing, text);
    const id = String(this.nextExecutionId++);
    this.counted.push({ id, importId, datamartId, lines, createdAtMs: receivedAtMs });
    respondJson(response, 200, { status: 'ok', data: executionView(id, datamartId, importId, lines, receivedAtMs, 'PENDING') });
  }

  /** Counts one accepted execution and returns its number of non-empty lines. */
  private record(body: Buffer, timing: { receivedAtMs: number; uploadMs: number }, text?: string): number {
    const { receivedAtMs } = timing;
    const lines = countLines(body);
    const stats = this.stats;
    stats.posts += 1;
    stats.lines += lines;
    stats.bytes += body.length;
    stats.linesPerPost.push(lines);
    stats.uploadMsPerPost.push(timing.uploadMs);
    if (this.onExecution) this.onExecution(text ?? body.toString('utf8'), receivedAtMs);
    return lines;
  }

  /** Responds with the executions created in count mode, newest first, each one ended with SUCCEEDED. */
  private listCounted(response: ServerResponse, url: URL, importId: string): void {
    const firstResult = Number(url.searchParams.get('first_result') ?? '0');
    const maxResults = Number(url.searchParams.get('max_results') ?? '100');
    const all = this.counted.filter((execution) => execution.importId === importId).reverse();
    const page = all.slice(firstResult, firstResult + maxResults);
    const data = page.map((execution) => executionView(execution.id, execution.datamartId, execution.importId, execution.lines, execution.createdAtMs, 'SUCCEEDED'));
    respondJson(response, 200, { status: 'ok', data, count: data.length, total: all.length, first_result: firstResult, max_results: maxResults });
  }

  /** Sends the request on to the stand-in and relays its reply; returns the stand-in's status. */
  private async forward(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<number> {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const method = request.method ?? 'GET';
    const reply = await fetch(`${this.options.target}${url.pathname}${url.search}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
    });
    const replyBody = Buffer.from(await reply.arrayBuffer());
    const replyHeaders: Record<string, string> = { 'content-length': String(replyBody.length) };
    const contentType = reply.headers.get('content-type');
    if (contentType) replyHeaders['content-type'] = contentType;
    const allow = reply.headers.get('allow');
    if (allow) replyHeaders.allow = allow;
    response.writeHead(reply.status, replyHeaders);
    response.end(replyBody);
    return reply.status;
  }
}

function emptyStats(): ExecutionStats {
  return { posts: 0, lines: 0, bytes: 0, linesPerPost: [], uploadMsPerPost: [], rejectedPosts: 0, sampleLineErrors: [], otherRequests: 0 };
}

/** Counts the non-empty lines of an ndjson body without decoding it. */
export function countLines(body: Buffer): number {
  let lines = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    if (end > start && !(end === start + 1 && body[start] === 0x0d)) lines += 1;
    start = end + 1;
  }
  return lines;
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function respondJson(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

/** An execution in the shape the stand-in returns, with the fields the connector reads. */
function executionView(id: string, datamartId: string, importId: string, lines: number, createdAtMs: number, status: 'PENDING' | 'SUCCEEDED'): Record<string, unknown> {
  const ended = status === 'SUCCEEDED';
  return {
    id,
    status,
    creation_date: createdAtMs,
    start_date: ended ? createdAtMs : null,
    duration: ended ? 0 : null,
    num_tasks: 1,
    completed_tasks: ended ? 1 : 0,
    erroneous_tasks: 0,
    parameters: { datamart_id: datamartId, document_import_id: importId, total_failure: 0, total_success: ended ? lines : 0 },
    result: { error_file_uri: null, total_failure: 0, total_success: ended ? lines : 0 },
  };
}
