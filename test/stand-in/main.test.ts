import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { TestContext } from 'node:test';

import { TOKEN, startForTest } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../stand-in/mediarithmics/main.ts', import.meta.url));

interface RunningMain {
  child: ChildProcess;
  stdoutLines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line that matches, or rejects when the process exits first. */
  waitForLine: (pattern: RegExp) => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns main.ts with the test's Node.js and kills it when the test ends if it still runs.
 * A null token leaves MEDIARITHMICS_API_TOKEN unset.
 */
function spawnMain(t: TestContext, args: string[], token: string | null = TOKEN): RunningMain {
  const env = { ...process.env };
  delete env['MEDIARITHMICS_API_TOKEN'];
  if (token !== null) {
    env['MEDIARITHMICS_API_TOKEN'] = token;
  }
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  });

  const stdoutLines: string[] = [];
  let stdoutRest = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (stdoutRest + chunk).split('\n');
    stdoutRest = parts.pop() ?? '';
    stdoutLines.push(...parts);
    for (const listener of listeners) {
      listener();
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const waitForLine = (pattern: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = stdoutLines.find((candidate) => pattern.test(candidate));
        if (line !== undefined) {
          listeners.delete(check);
          resolve(line);
        }
      };
      listeners.add(check);
      check();
      void exited.then(() => {
        listeners.delete(check);
        reject(new Error(`main.ts exited before printing ${pattern}. stderr: ${stderr}`));
      });
    });

  return { child, stdoutLines, stderr: () => stderr, waitForLine, exited };
}

async function readUrl(running: RunningMain): Promise<string> {
  const line = await running.waitForLine(/Stand-in listening/);
  const url = JSON.parse(line).url as string;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return url;
}

test('main serves, logs and stops on SIGTERM', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--port', '0']);
  const url = await readUrl(running);

  const unauthorized = await fetch(`${url}/v1/datamarts/1/document_imports`);
  const authorized = await fetch(`${url}/v1/datamarts/1/document_imports`, { headers: { authorization: TOKEN } });
  await running.waitForLine(/"authorization":"valid"/);
  running.child.kill('SIGTERM');
  const exit = await running.exited;

  assert.equal(unauthorized.status, 401);
  assert.equal(authorized.status, 200);
  assert.deepEqual(exit, { code: 0, signal: null });
  const records = running.stdoutLines.filter((line) => line !== '').map((line) => JSON.parse(line));
  const requestLogs = records.filter((record) => record.msg === 'Request handled');
  assert.deepEqual(
    requestLogs.map((record) => [record.method, record.path, record.status, record.authorization]),
    [
      ['GET', '/v1/datamarts/1/document_imports', 401, 'missing'],
      ['GET', '/v1/datamarts/1/document_imports', 200, 'valid'],
    ],
  );
  assert.equal(records.at(-1).msg, 'Stand-in stopped');
  assert.ok(!running.stdoutLines.join('\n').includes(TOKEN));
  assert.equal(running.stderr(), '');
});

test('main stops on SIGINT', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--port', '0']);
  await readUrl(running);

  running.child.kill('SIGINT');
  const exit = await running.exited;

  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(running.stdoutLines.join('\n'), /"signal":"SIGINT"/);
});

test('main takes the token from --token', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--port', '0', '--token', 'flag-token'], null);
  const url = await readUrl(running);

  const response = await fetch(`${url}/v1/datamarts/1/document_imports`, { headers: { authorization: 'flag-token' } });
  running.child.kill('SIGTERM');
  await running.exited;

  assert.equal(response.status, 200);
  assert.ok(!running.stdoutLines.join('\n').includes('flag-token'));
});

test('main passes options to the stand-in', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--port', '0', '--known-datamarts', '7, 8', '--max-body-bytes', '10']);
  const url = await readUrl(running);
  const headers = { authorization: TOKEN };

  const known = await fetch(`${url}/v1/datamarts/8/document_imports`, { headers });
  const unknown = await fetch(`${url}/v1/datamarts/9/document_imports`, { headers });
  const tooLarge = await fetch(`${url}/v1/datamarts/7/document_imports`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'more than ten bytes' }),
  });
  running.child.kill('SIGTERM');
  await running.exited;

  assert.equal(known.status, 200);
  assert.equal(unknown.status, 404);
  assert.equal(tooLarge.status, 413);
});

test('main without token exits 2', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--port', '0'], null);

  const exit = await running.exited;

  assert.deepEqual(exit, { code: 2, signal: null });
  assert.match(running.stderr(), /API token is missing. Set MEDIARITHMICS_API_TOKEN or pass --token/);
  assert.match(running.stderr(), /Usage:/);
});

test('main rejects bad options with exit 2', { timeout: 15_000 }, async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--port', '70000'], /--port must be an integer from 0 to 65535, received "70000"/],
    [['--port', 'abc'], /--port must be an integer/],
    [['--pending-ms', '10'], /--pending-ms and --running-ms must be given together/],
    [['--max-body-bytes', '0'], /--max-body-bytes must be an integer from 1/],
    [['--no-such-option'], /Unknown option '--no-such-option'/],
  ];

  for (const [args, expected] of cases) {
    const running = spawnMain(t, args);
    const exit = await running.exited;
    assert.deepEqual(exit, { code: 2, signal: null }, args.join(' '));
    assert.match(running.stderr(), expected, args.join(' '));
  }
});

test('main --help prints usage', { timeout: 15_000 }, async (t) => {
  const running = spawnMain(t, ['--help'], null);

  const exit = await running.exited;

  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(running.stdoutLines.join('\n'), /^Usage: node stand-in\/mediarithmics\/main.ts/);
});

test('main exits 1 when the port is taken', { timeout: 15_000 }, async (t) => {
  const occupying = await startForTest(t);
  const running = spawnMain(t, ['--port', String(occupying.port)]);

  const exit = await running.exited;

  assert.deepEqual(exit, { code: 1, signal: null });
  const failure = running.stdoutLines.find((line) => line.includes('Stand-in failed to start'));
  assert.ok(failure !== undefined, running.stdoutLines.join('\n'));
  assert.match(failure, /EADDRINUSE/);
});
