import type { Handler } from './api-context.ts';
import { createExecution, getDataFile, listExecutions, runExecutionAction } from './execution-handlers.ts';
import { createImport, deleteImport, getImport, listImports, updateImport } from './import-handlers.ts';
import type { RouteTarget } from './script.ts';

interface Route {
  /** Path segments after the leading slash. A segment starting with `:` captures a parameter. */
  segments: readonly string[];
  target: RouteTarget;
  handlers: Readonly<Partial<Record<string, Handler>>>;
}

const IMPORTS = ['v1', 'datamarts', ':datamartId', 'document_imports'];
const IMPORT = [...IMPORTS, ':importId'];
const EXECUTIONS = [...IMPORT, 'executions'];

// The list, get, update, delete and action routes are not in the API documentation.
// They follow the calls of the mediarithmics Navigator web client.
const ROUTES: readonly Route[] = [
  { segments: IMPORTS, target: 'document_imports', handlers: { GET: listImports, POST: createImport } },
  {
    segments: IMPORT,
    target: 'document_imports',
    handlers: { GET: getImport, PUT: updateImport, DELETE: deleteImport },
  },
  { segments: EXECUTIONS, target: 'executions', handlers: { GET: listExecutions, POST: createExecution } },
  { segments: [...EXECUTIONS, ':executionId', 'action'], target: 'other', handlers: { POST: runExecutionAction } },
  { segments: ['v1', 'data_file', 'data'], target: 'other', handlers: { GET: getDataFile } },
];

export type RouteResolution =
  | { kind: 'found'; handler: Handler; target: RouteTarget; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = segments[index] ?? '';
    if (expected.startsWith(':')) {
      if (actual === '') {
        return undefined;
      }
      params[expected.slice(1)] = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

/** Finds the API route for a request path, which must already be percent-decoded into segments. */
export function resolveRoute(method: string, segments: readonly string[]): RouteResolution {
  for (const route of ROUTES) {
    const params = matchSegments(route.segments, segments);
    if (params === undefined) {
      continue;
    }
    const handler = route.handlers[method];
    if (handler === undefined) {
      return { kind: 'method_not_allowed', allowed: Object.keys(route.handlers) };
    }
    return { kind: 'found', handler, target: route.target, params };
  }
  return { kind: 'not_found' };
}

/** Splits a URL path into percent-decoded segments, or returns undefined when the encoding is invalid. */
export function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
