import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** Conditions that must all hold for /readyz to return 200. */
export const readinessConditions = ['group_joined', 'api_authorised', 'not_draining'] as const;

export type ReadinessCondition = (typeof readinessConditions)[number];

export interface HealthState {
  ready: boolean;
  conditions: Record<ReadinessCondition, boolean>;
}

/** Builds a HealthState that is ready exactly when every condition holds. */
export function healthState(conditions: Record<ReadinessCondition, boolean>): HealthState {
  return { ready: readinessConditions.every((condition) => conditions[condition]), conditions: { ...conditions } };
}

export interface HttpServerOptions {
  /** Address to bind, as given: 127.0.0.1 for local runs, 0.0.0.0 or :: inside a pod. */
  host: string;
  /** Port to bind; 0 picks a free one, reported by the returned `port`. */
  port: number;
  metrics: Metrics;
  health: () => HealthState;
  logger: Logger;
}

export interface RunningHttpServer {
  port: number;
  /** Stops accepting connections and resolves once open requests have their responses. */
  close(): Promise<void>;
}

const jsonType = 'application/json; charset=utf-8';
const textType = 'text/plain; charset=utf-8';
const allowedMethods = 'GET, HEAD';

type Route = (response: ServerResponse) => void | Promise<void>;

/**
 * Starts the HTTP server for Kubernetes probes and Prometheus scrapes:
 * `/healthz` (200 while the process serves requests), `/readyz` (200 when
 * `health().ready`, else 503 naming the failing conditions) and `/metrics`.
 * It also sets the `ready` gauge at each scrape to match what /readyz would
 * return. Other paths get 404; methods other than GET and HEAD get 405.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { metrics, health, logger } = options;

  const routes: Record<string, Route> = {
    '/healthz': (response) => send(response, 200, jsonType, JSON.stringify({ status: 'ok' })),
    '/readyz': (response) => sendReadiness(response, health()),
    '/metrics': async (response) => send(response, 200, metrics.contentType, await metrics.render()),
  };

  const server = createServer(
    // Probes and scrapes are tiny GETs: a client that is slower than this is stuck, not busy.
    { headersTimeout: 10_000, requestTimeout: 30_000 },
    (request, response) => void handle(request, response),
  );

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) {
      send(response, 404, textType, `Not found: ${path}. This server answers /healthz, /readyz and /metrics.\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', allowedMethods);
      send(response, 405, textType, `Method ${request.method} is not allowed on ${path}; use GET.\n`);
      return;
    }

    try {
      await route(response);
    } catch (error) {
      logger.error({ err: error, path }, 'HTTP request failed');
      if (!response.headersSent) send(response, 500, textType, `Internal error while serving ${path}; see the connector log.\n`);
      else response.destroy();
    }
  }

  const removeReadyCollector = metrics.addCollector(() => {
    metrics.set('ready', {}, health().ready ? 1 : 0);
  }, 'ready');

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    removeReadyCollector();
    throw error;
  }

  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));
  const { port } = server.address() as AddressInfo;
  logger.info({ host: options.host, port }, 'HTTP server listening for probes and metrics');

  return {
    port,
    close: async () => {
      removeReadyCollector();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from scrapers would otherwise hold close() open until they time out.
        server.closeIdleConnections();
      });
      logger.info({ port }, 'HTTP server closed');
    },
  };
}

function sendReadiness(response: ServerResponse, state: HealthState): void {
  if (state.ready) {
    send(response, 200, jsonType, JSON.stringify({ ready: true, conditions: state.conditions }));
    return;
  }
  const failing = readinessConditions.filter((condition) => !state.conditions[condition]);
  send(response, 503, jsonType, JSON.stringify({ ready: false, failing, conditions: state.conditions }));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.statusCode = status;
  response.setHeader('content-type', contentType);
  response.setHeader('content-length', Buffer.byteLength(body));
  response.setHeader('cache-control', 'no-store');
  // Node omits the body of an answer to HEAD and keeps the headers.
  response.end(body);
}
