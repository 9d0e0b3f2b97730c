// Starting, watching and stopping the child processes of a benchmark run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { ProcessSampler, type ProcessStats } from './process-stats.ts';

export interface Child {
  process: ChildProcess;
  pid: number;
  sampler: ProcessSampler;
  /** Resolves with the exit code, or the signal name when a signal ended it. */
  exited: Promise<number | string>;
  /** Waits for the first stdout JSON line that satisfies `predicate`, or rejects after `timeoutMs` or on exit. */
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number, description: string): Promise<Record<string, unknown>>;
  /** The last lines of stderr, for error messages. */
  stderrTail(): string;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Every stdout and stderr byte is appended to this file. */
  logPath: string;
  /** Called for every stdout line that parses as a JSON object. */
  onLine?: (line: Record<string, unknown>) => void;
  /** Keep parsed stdout lines for `waitForLine` (default true); turn off for chatty children. */
  keepLines?: boolean;
  cwd: string;
}

/** Starts a child whose stdout is JSON lines (pino logs or harness reports). */
export function spawnChild(command: string, args: string[], options: SpawnOptions): Child {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Without a listener, a failed spawn (command not found) would crash the harness with an unhandled 'error' event.
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}; check that it is installed`);
  const log: WriteStream = createWriteStream(options.logPath, { flags: 'a' });
  const sampler = new ProcessSampler(child.pid);
  const waiters = new Set<() => void>();
  const seen: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';

  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!text.startsWith('{')) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      options.onLine?.(line);
      if (options.keepLines !== false) seen.push(line);
      for (const wake of waiters) wake();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    stderr = (stderr + chunk).slice(-4000);
  });

  let exitedNow = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedNow = true;
      sampler.stop();
      for (const wake of waiters) wake();
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });

  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number, description: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      let checked = 0;
      const check = (): void => {
        for (; checked < seen.length; checked += 1) {
          const line = seen[checked]!;
          if (predicate(line)) {
            finish();
            resolve(line);
            return;
          }
        }
        if (exitedNow) {
          finish();
          reject(new Error(`${command} exited before ${description}; stderr tail:\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}; see ${options.logPath}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return { process: child, pid: child.pid, sampler, exited, waitForLine, stderrTail: () => stderr };
}

/**
 * Reads the child's CPU time and peak RSS, then stops it with SIGTERM,
 * SIGKILL after `graceMs`. Returns the stats and how it exited.
 */
export async function stopChild(child: Child, graceMs: number): Promise<{ stats: ProcessStats | undefined; exit: number | string }> {
  const stats = child.sampler.read();
  child.sampler.stop();
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return { stats, exit };
}

/** Environment shared by every child: a PATH and nothing from the harness's own environment. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin' };
}
