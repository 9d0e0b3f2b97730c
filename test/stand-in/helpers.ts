import type { TestContext } from 'node:test';

import { startStandIn } from '../../stand-in/mediarithmics/server.ts';
import type { StandIn, StandInOptions } from '../../stand-in/mediarithmics/server.ts';

export const TOKEN = 'stand-in-test-token';
export const DATAMART_ID = '1509';

/** Starts a stand-in on a free loopback port and closes it when the test ends. */
export async function startForTest(context: TestContext, options: Partial<StandInOptions> = {}): Promise<StandIn> {
  const standIn = await startStandIn({ token: TOKEN, ...options });
  context.after(() => standIn.close());
  return standIn;
}

export interface CallOptions {
  method?: string;
  /** A string is sent as is, and any other value as JSON. */
  body?: unknown;
  contentType?: string;
  /** The Authorization header. Defaults to TOKEN, and null leaves the header out. */
  authorization?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

/** Sends one request to the stand-in and reads the whole reply. */
export async function call(standIn: StandIn, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const authorization = options.authorization === undefined ? TOKEN : options.authorization;
  if (authorization !== null) {
    headers['authorization'] = authorization;
  }

  let body: string | Buffer | undefined;
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  if (options.contentType !== undefined) {
    headers['content-type'] = options.contentType;
  }

  const response = await fetch(`${standIn.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function importsPath(datamartId = DATAMART_ID): string {
  return `/v1/datamarts/${datamartId}/document_imports`;
}

export function executionsPath(importId: string, datamartId = DATAMART_ID): string {
  return `${importsPath(datamartId)}/${importId}/executions`;
}

/** Creates an ndjson document import and returns its id. */
export async function createImport(
  standIn: StandIn,
  documentType = 'USER_POINTS_DELETION',
  fields: Record<string, unknown> = {},
): Promise<string> {
  const result = await call(standIn, importsPath(), {
    body: {
      document_type: documentType,
      mime_type: 'APPLICATION_X_NDJSON',
      encoding: 'utf-8',
      name: `${documentType} test import`,
      ...fields,
    },
  });
  if (result.status !== 200) {
    throw new Error(`Creating a ${documentType} import failed with ${result.status}: ${result.text}`);
  }
  return result.json.data.id as string;
}

/** Joins values into an ndjson body, one compact JSON object per line. A string is kept as one raw line. */
export function ndjson(lines: readonly unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

export function postExecution(standIn: StandIn, importId: string, body: string | Buffer, contentType = 'application/x-ndjson'): Promise<CallResult> {
  return call(standIn, executionsPath(importId), { body, contentType });
}
