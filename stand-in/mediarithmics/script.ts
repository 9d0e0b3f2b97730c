import { validateHeaderName, validateHeaderValue } from 'node:http';

import { z } from 'zod';

/** Final statuses that a scripted outcome can give an execution, from the mediarithmics job status list. */
export const FINAL_STATUSES = ['SUCCEEDED', 'SUCCESS', 'FAILED', 'CANCELED', 'LOST', 'EXECUTOR_NOT_RESPONDING'] as const;

export type FinalStatus = (typeof FINAL_STATUSES)[number];

/**
 * Final state of an accepted execution. Without an outcome it ends SUCCEEDED with every line
 * counted in `total_success`. `failedLines` are 1-based body line numbers and
 * `totalFailure` counts failures from the first non-empty line on, so give only one of them.
 */
export interface ExecutionOutcome {
  finalStatus?: FinalStatus;
  failedLines?: number[];
  totalFailure?: number;
  errorMessage?: string;
}

/**
 * The requests a scripted reply applies to. `executions` is the execution collection of
 * an import, `document_imports` an import collection or one import, and `any` every API route.
 */
export type ScriptMatch = 'executions' | 'document_imports' | 'any';

/** The script target of an API route. Routes of the `other` kind are matched only by `any`. */
export type RouteTarget = 'executions' | 'document_imports' | 'other';

/**
 * A reply that replaces the normal handling of the next matching request.
 *
 * With `drop`, the stand-in reads the request and then destroys the socket without replying.
 * With a status outside 2xx, it sends that status and `body` without processing the
 * request, so nothing is created or recorded. Otherwise it processes the request as usual
 * and then applies `status`, `body`, `headers` and `outcome`. `delayMs` delays the reply
 * but not the processing, so a delayed execution is recorded when it arrives.
 */
export interface ScriptedReply {
  /** Defaults to `executions`. */
  match?: ScriptMatch;
  /** HTTP method to match, or `*`. Defaults to POST, or to `*` when `match` is `any`. */
  method?: string;
  status?: number;
  /** A string is sent as is, and any other value as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  drop?: boolean;
  /** Number of matching requests that this reply applies to. Defaults to 1. */
  times?: number;
  outcome?: ExecutionOutcome;
}

const MAX_DELAY_MS = 600_000;

const outcomeSchema = z
  .strictObject({
    finalStatus: z.enum(FINAL_STATUSES).optional(),
    failedLines: z.array(z.int().min(1)).optional(),
    totalFailure: z.int().min(0).optional(),
    errorMessage: z.string().optional(),
  })
  .refine((outcome) => outcome.failedLines === undefined || outcome.totalFailure === undefined, {
    message: 'give failedLines or totalFailure, not both',
  });

/** Headers that the stand-in computes from the body it sends, so a script must not set them. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection']);

const headersSchema = z.record(z.string(), z.string()).superRefine((headers, context) => {
  for (const [name, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      context.addIssue({ code: 'custom', message: 'is set by the stand-in and cannot be scripted', path: [name] });
      continue;
    }
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      context.addIssue({ code: 'custom', message: 'is not a valid HTTP header', path: [name] });
    }
  }
});

const scriptedReplySchema = z
  .strictObject({
    match: z.enum(['executions', 'document_imports', 'any']).optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', '*']).optional(),
    status: z.int().min(200).max(599).optional(),
    body: z.unknown().optional(),
    headers: headersSchema.optional(),
    delayMs: z.int().min(0).max(MAX_DELAY_MS).optional(),
    drop: z.boolean().optional(),
    times: z.int().min(1).optional(),
    outcome: outcomeSchema.optional(),
  })
  .superRefine((reply, context) => {
    if (reply.drop === true) {
      for (const field of ['status', 'body', 'headers', 'outcome'] as const) {
        if (reply[field] !== undefined) {
          context.addIssue({ code: 'custom', message: 'cannot be combined with drop', path: [field] });
        }
      }
    }
    if (reply.outcome !== undefined) {
      const method = reply.method ?? (reply.match === 'any' ? '*' : 'POST');
      if ((reply.match ?? 'executions') !== 'executions' || method !== 'POST') {
        context.addIssue({
          code: 'custom',
          message: 'applies only to replies that match executions with method POST',
          path: ['outcome'],
        });
      }
      if (reply.status !== undefined && !isSuccessStatus(reply.status)) {
        context.addIssue({ code: 'custom', message: 'requires a 2xx status', path: ['outcome'] });
      }
    }
  });

export class ScriptError extends Error {
  override name = 'ScriptError';
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

/**
 * Validates scripted replies from a test or from the control route. Accepts one reply or
 * an array of them and throws ScriptError naming the entry and field of the first problems.
 */
export function parseScriptedReplies(input: unknown): ScriptedReply[] {
  const entries = Array.isArray(input) ? input : [input];
  return entries.map((entry, index) => {
    const result = scriptedReplySchema.safeParse(entry);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        return path === '' ? issue.message : `${path}: ${issue.message}`;
      });
      throw new ScriptError(`Invalid scripted reply ${index + 1}: ${problems.join(', ')}`);
    }
    return result.data;
  });
}

interface QueuedReply {
  reply: ScriptedReply;
  remaining: number;
}

/** Scripted replies in the order they were added, each used up by `times` matching requests. */
export class ScriptQueue {
  private queue: QueuedReply[] = [];

  add(replies: readonly ScriptedReply[]): void {
    for (const reply of replies) {
      this.queue.push({ reply, remaining: reply.times ?? 1 });
    }
  }

  /** Removes one use of the first reply that matches the request and returns that reply. */
  take(target: RouteTarget, method: string): ScriptedReply | undefined {
    const index = this.queue.findIndex((queued) => matches(queued.reply, target, method));
    const queued = this.queue[index];
    if (queued === undefined) {
      return undefined;
    }
    queued.remaining -= 1;
    if (queued.remaining === 0) {
      this.queue.splice(index, 1);
    }
    return queued.reply;
  }

  /** Returns the replies not used up yet, with `times` set to the uses left. */
  pending(): ScriptedReply[] {
    return this.queue.map((queued) => ({ ...queued.reply, times: queued.remaining }));
  }

  clear(): void {
    this.queue = [];
  }
}

function matches(reply: ScriptedReply, target: RouteTarget, method: string): boolean {
  const match = reply.match ?? 'executions';
  const expectedMethod = reply.method ?? (match === 'any' ? '*' : 'POST');
  if (match !== 'any' && match !== target) {
    return false;
  }
  return expectedMethod === '*' || expectedMethod === method;
}
