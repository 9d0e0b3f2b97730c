// Runs the connector as a real child process (`node <nodeFlags> src/cli/main.ts`), the way
// an operator runs it, and captures its JSON log lines for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/kafka/broker.ts';
import { nodeFlags } from '../../src/cli/node-flags.ts';

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface ConnectorProcess {
  child: ChildProcess;
  logs: LogLine[];
  /** Raw stdout and stderr text, for scrubbing checks. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

export function startConnectorProcess(env: Record<string, string>): ConnectorProcess {
  const child = spawn(process.execPath, [...nodeFlags, join(repoRoot, 'src', 'cli', 'main.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const logs: LogLine[] = [];
  const chunks: string[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    chunks.push(chunk);
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        logs.push(JSON.parse(text) as LogLine);
      } catch {
        logs.push({ level: 'raw', msg: text });
      }
      newline = pending.indexOf('\n');
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = logs.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
          return true;
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`connector exited before the expected log line; output:\n${chunks.join('').slice(-4000)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line; output tail:\n${chunks.join('').slice(-4000)}`));
      }, timeoutMs);
      const wake = (): void => {
        check();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      waiters.add(wake);
      check();
    });

  return {
    child,
    logs,
    output: () => chunks.join(''),
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLog,
  };
}

/** Environment for a connector under test: small windows and fast retries. */
export function connectorEnv(overrides: {
  brokers: string;
  topic: string;
  groupId: string;
  apiUrl: string;
  token: string;
  datamartId?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    KAFKA_BROKERS: overrides.brokers,
    KAFKA_TOPICS: overrides.topic,
    KAFKA_GROUP_ID: overrides.groupId,
    MEDIARITHMICS_API_URL: overrides.apiUrl,
    MEDIARITHMICS_API_TOKEN: overrides.token,
    MEDIARITHMICS_DATAMART_ID: overrides.datamartId ?? '1509',
    WINDOW_MAX_LINES: '500',
    WINDOW_MAX_BYTES: '65536',
    WINDOW_MAX_AGE_MS: '500',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '500',
    AUTH_RETRY_DELAY_MS: '300',
    COMMIT_INTERVAL_MS: '200',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    REBALANCE_FLUSH_TIMEOUT_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    LOG_LEVEL: 'info',
    HTTP_PORT: '0',
    ...overrides.extra,
  };
}
