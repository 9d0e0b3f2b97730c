/**
 * Scripted faults of the Schema Registry stand-in: replies that replace the normal handling of
 * matching API requests, so that tests can make the registry fail, slow down or vanish for a
 * number of requests or for a period of time.
 */

import { z } from 'zod';

/**
 * One scripted fault.
 *
 * With `drop`, the stand-in reads the request, waits `delayMs` and destroys the socket without
 * replying. With a `status`, it waits `delayMs` and replies with that status and `body` (by
 * default a Confluent error body) without touching the registry state. With only `delayMs`, it
 * handles the request as usual after the delay.
 *
 * The fault applies to the next `times` matching requests (default 1), or, with `forMs`, to
 * every matching request until `forMs` milliseconds after it was scripted. With both, it ends
 * at whichever limit comes first.
 */
export interface RegistryFault {
  /** Path prefix that a request must start with, such as `/schemas/ids/`. Default: every API path. */
  path?: string;
  /** HTTP method to match, or `*` (the default). */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | '*';
  status?: number;
  /** A string is sent as text, and any other value as JSON. */
  body?: unknown;
  delayMs?: number;
  drop?: boolean;
  times?: number;
  forMs?: number;
}

const MAX_DELAY_MS = 600_000;

const faultSchema = z
  .strictObject({
    path: z.string().startsWith('/').optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', '*']).optional(),
    status: z.int().min(200).max(599).optional(),
    body: z.unknown().optional(),
    delayMs: z.int().min(0).max(MAX_DELAY_MS).optional(),
    drop: z.boolean().optional(),
    times: z.int().min(1).optional(),
    forMs: z.int().min(1).max(MAX_DELAY_MS).optional(),
  })
  .superRefine((fault, context) => {
    if (fault.drop === true && (fault.status !== undefined || fault.body !== undefined)) {
      context.addIssue({ code: 'custom', message: 'drop cannot be combined with status or body' });
    }
    if (fault.drop !== true && fault.status === undefined && fault.delayMs === undefined) {
      context.addIssue({ code: 'custom', message: 'must set drop, status or delayMs' });
    }
  });

export class FaultScriptError extends Error {
  override name = 'FaultScriptError';
}

/**
 * Validates scripted faults from a test or from the control route. Accepts one fault or an
 * array of them and throws FaultScriptError naming the first invalid entry.
 */
export function parseFaults(input: unknown): RegistryFault[] {
  const entries = Array.isArray(input) ? input : [input];
  return entries.map((entry, index) => {
    const result = faultSchema.safeParse(entry);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => {
        const path = issue.path.map(String).join('.');
        return path === '' ? issue.message : `${path}: ${issue.message}`;
      });
      throw new FaultScriptError(`Invalid scripted fault ${index + 1}: ${problems.join(', ')}`);
    }
    return result.data as RegistryFault;
  });
}

interface QueuedFault {
  fault: RegistryFault;
  /** Uses left, or undefined for a fault limited only by time. */
  remaining: number | undefined;
  /** Date.now() value after which the fault no longer applies, or undefined. */
  expiresAt: number | undefined;
}

/** Scripted faults in the order they were added. */
export class FaultQueue {
  private queue: QueuedFault[] = [];

  add(faults: readonly RegistryFault[], now: number): void {
    for (const fault of faults) {
      const timed = fault.forMs !== undefined;
      this.queue.push({
        fault,
        remaining: fault.times ?? (timed ? undefined : 1),
        expiresAt: timed ? now + (fault.forMs ?? 0) : undefined,
      });
    }
  }

  /** Uses up one application of the first fault that matches the request and returns it. */
  take(method: string, path: string, now: number): RegistryFault | undefined {
    this.dropExpired(now);
    const index = this.queue.findIndex((queued) => matches(queued.fault, method, path));
    const queued = this.queue[index];
    if (queued === undefined) {
      return undefined;
    }
    if (queued.remaining !== undefined) {
      queued.remaining -= 1;
      if (queued.remaining === 0) {
        this.queue.splice(index, 1);
      }
    }
    return queued.fault;
  }

  /** Returns the faults still active, with `times` set to the uses left and `forMs` to the time left. */
  pending(now: number): RegistryFault[] {
    this.dropExpired(now);
    return this.queue.map((queued) => {
      const fault: RegistryFault = { ...queued.fault };
      if (queued.remaining !== undefined) {
        fault.times = queued.remaining;
      }
      if (queued.expiresAt !== undefined) {
        fault.forMs = Math.max(1, queued.expiresAt - now);
      }
      return fault;
    });
  }

  clear(): void {
    this.queue = [];
  }

  private dropExpired(now: number): void {
    this.queue = this.queue.filter((queued) => queued.expiresAt === undefined || queued.expiresAt > now);
  }
}

function matches(fault: RegistryFault, method: string, path: string): boolean {
  const expectedMethod = fault.method ?? '*';
  if (expectedMethod !== '*' && expectedMethod !== method) {
    return false;
  }
  return fault.path === undefined || path.startsWith(fault.path);
}
