import { errorResponse, okResponse } from './envelope.ts';
import type { ApiResponse } from './envelope.ts';
import { ScriptError, parseScriptedReplies } from './script.ts';
import type { ScriptedReply } from './script.ts';

/** Path prefix of the control routes, which tests and demos call without a token. */
export const CONTROL_PREFIX = '/_stand-in';

/** The parts of a stand-in that the control routes read and change. */
export interface ControlTarget {
  readonly executions: readonly unknown[];
  readonly requests: readonly unknown[];
  imports(): unknown[];
  script(...replies: ScriptedReply[]): void;
  pendingScript(): ScriptedReply[];
  reset(): void;
}

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

function listOf(items: readonly unknown[]): ApiResponse {
  return { status: 200, body: { status: 'ok', data: items, count: items.length } };
}

function addScript(target: ControlTarget, body: Buffer): ApiResponse {
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return errorResponse(400, 'Request body must be a JSON array of scripted replies');
  }
  try {
    const replies = parseScriptedReplies(input);
    target.script(...replies);
    return okResponse({ queued: replies.length, pending: target.pendingScript() });
  } catch (error) {
    if (error instanceof ScriptError) {
      return errorResponse(400, error.message);
    }
    throw error;
  }
}

/**
 * Handles one control request and returns its response: 404 for an unknown control path
 * and 405 for a known path with another method.
 */
export function handleControl(target: ControlTarget, method: string, pathname: string, body: Buffer): ApiResponse {
  const routes: Record<string, Partial<Record<string, () => ApiResponse>>> = {
    [`${CONTROL_PREFIX}/health`]: { GET: () => okResponse({ healthy: true }) },
    [`${CONTROL_PREFIX}/executions`]: { GET: () => listOf(target.executions) },
    [`${CONTROL_PREFIX}/requests`]: { GET: () => listOf(target.requests) },
    [`${CONTROL_PREFIX}/imports`]: { GET: () => listOf(target.imports()) },
    [`${CONTROL_PREFIX}/script`]: {
      GET: () => listOf(target.pendingScript()),
      POST: () => addScript(target, body),
    },
    [`${CONTROL_PREFIX}/reset`]: {
      POST: () => {
        target.reset();
        return okResponse({ reset: true });
      },
    },
  };

  const handlers = routes[pathname];
  if (handlers === undefined) {
    return errorResponse(404, `Control route ${pathname} not found`);
  }
  const handler = handlers[method];
  if (handler === undefined) {
    const allowed = Object.keys(handlers).join(', ');
    return errorResponse(405, `Method ${method} is not allowed on ${pathname}`, {}, { allow: allowed });
  }
  return handler();
}
