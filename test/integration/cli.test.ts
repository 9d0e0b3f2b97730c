// The command line on the real broker: help, argument errors, replay by time
// range and from earliest, dry runs compared with a live run, check-config.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { committedOffsets, createTopic, offsetsReachEnd, produce, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess } from '../support/connector-process.ts';
import { canonicalLine, generateEvent } from '../../scripts/sample-events.ts';
import { repoRoot } from '../../scripts/kafka/broker.ts';

const token = 'cli-test-token';
const standIns = new Set<StandIn>();
const connectors = new Set<ConnectorProcess>();
const folders: string[] = [];

after(async () => {
  for (const connector of connectors) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion; a run longer than `timeoutMs` is killed and reported with its output. */
function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout.slice(-3000)}\nstderr: ${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'cli-test-'));
  folders.push(folder);
  return folder;
}

// Record timestamps sit in the last three days: the broker deletes records
// older than its 7-day retention, so fixed past dates would vanish mid-suite.
const dayMs = 86_400_000;
const today = Math.floor(Date.now() / dayMs) * dayMs;
const threeDays = [today - 3 * dayMs, today - 2 * dayMs, today - dayMs].map((ms) => new Date(ms).toISOString().slice(0, 10));
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/** Three batches of events with record timestamps on each of the last three days. */
async function produceThreeDays(topic: string) {
  const batches = threeDays.map((date, batch) =>
    Array.from({ length: 24 }, (_, index) => ({ date, generated: generateEvent(batch * 100 + index, topic) })),
  );
  await produce(
    topic,
    batches.flat().map(({ date, generated }, index) => ({
      value: JSON.stringify(generated.event),
      timestamp: String(day(date) + 3_600_000 + index * 1000),
    })),
  );
  return batches.map((batch) => batch.flatMap(({ generated }) => generated.expectedLines.map(canonicalLine)).sort());
}

function received(standIn: StandIn): string[] {
  return standIn.executions.flatMap((execution) => execution.lines.map((line) => canonicalLine(line as Record<string, unknown>))).sort();
}

test('every command has help with units and defaults', async () => {
  for (const args of [['--help'], ['run', '--help'], ['replay', '--help'], ['dry-run', '--help'], ['check-config', '--help']]) {
    const result = await cli(args);
    assert.equal(result.code, 0, args.join(' '));
    assert.match(result.stdout, /^Usage: mediarithmics-deletion-connector/);
  }
  const replay = await cli(['replay', '--help']);
  for (const option of ['--from', '--to', '--topics', '--group', '--dry-run', '--output-dir', '--progress-interval', '--config']) assert.ok(replay.stdout.includes(option), option);
  assert.match(replay.stdout, /default: 10 s/);
  assert.match((await cli(['check-config', '--help'])).stdout, /in milliseconds \(default: 10000\)/);
});

test('bad arguments give a clear message and exit 2', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('cli-args');
  await createTopic(topic, 1);
  const env = { KAFKA_BROKERS: brokers, KAFKA_TOPICS: topic, MEDIARITHMICS_API_TOKEN: token, MEDIARITHMICS_DATAMART_ID: '1509', MEDIARITHMICS_API_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', HTTP_PORT: '0' };

  const cases: [string[], RegExp][] = [
    [['replay'], /replay needs --from/],
    [['replay', '--from', '2026-11-01T00:00:00'], /is not an RFC 3339 time with an offset/],
    [['replay', '--from', '2026-11-02T00:00:00Z', '--to', '2026-11-01T00:00:00Z'], /--to 2026-11-01T00:00:00Z is not after --from/],
    [['replay', '--from', 'earliest', '--group', 'mediarithmics-deletion-connector'], /is the live consumer group/],
    [['replay', '--from', 'earliest', '--topics', 'no-such-topic-x'], /Unknown topic: no-such-topic-x/],
    [['replay', '--since', 'earliest'], /Unknown option '--since'/],
    [['launch'], /Unknown command "launch"/],
    [['check-config', '--timeout', 'soon'], /--timeout must be a positive number of milliseconds/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(args, env);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
  }

  const config = await cli(['run'], { KAFKA_BROKERS: 'no-port', KAFKA_TOPICS: topic, MEDIARITHMICS_DATAMART_ID: 'x' });
  assert.equal(config.code, 2);
  assert.match(config.stderr, /KAFKA_BROKERS="no-port" is invalid/);
  assert.match(config.stderr, /MEDIARITHMICS_API_TOKEN is required but not set/);
});

test('replay of a time range', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('replay');
  const liveGroup = uniqueName('live');
  await createTopic(topic, 2);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);
  const [, secondDay] = await produceThreeDays(topic);

  const env = connectorEnv({ brokers, topic, groupId: liveGroup, apiUrl: standIn.url, token, extra: { LOG_LEVEL: 'warn' } });
  const liveBefore = await committedOffsets(liveGroup, topic);
  const result = await cli(['replay', '--from', `${threeDays[1]}T00:00:00Z`, '--to', `${threeDays[2]}T00:00:00+00:00`], env);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(received(standIn), secondDay);
  assert.match(result.stdout, /Replay finished/);
  const summary = JSON.parse(/Summary: (.*)/.exec(result.stdout)![1]!) as Record<string, unknown>;
  assert.equal(summary.events, 24);
  assert.equal(summary.records, 24);
  assert.equal(summary.lines, secondDay!.length);
  assert.equal(summary.executions, standIn.executions.length);
  assert.equal(summary.groupId, `${liveGroup}-replay`);

  // The replay group committed the end of its range; the live group has no offsets.
  const replayOffsets = await committedOffsets(`${liveGroup}-replay`, topic);
  assert.equal([...replayOffsets.values()].reduce((sum, offset) => sum + offset, 0n), 48n);
  assert.deepEqual(await committedOffsets(liveGroup, topic), liveBefore);

  // From earliest with another group, against a fresh stand-in: every day.
  const backfillApi = await startStandIn({ token });
  standIns.add(backfillApi);
  const all = await cli(['replay', '--from', 'earliest', '--group', uniqueName('backfill')], { ...env, MEDIARITHMICS_API_URL: backfillApi.url });
  assert.equal(all.code, 0, `${all.stdout}\n${all.stderr}`);
  assert.equal(received(backfillApi).length, 3 * secondDay!.length, all.stdout);
  assert.match(all.stdout, /Events: 72 read/);
});

test('dry run matches a live run', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('dry');
  const liveGroup = uniqueName('live');
  await createTopic(topic, 3);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);
  await produceThreeDays(topic);
  await produce(topic, [{ value: 'not json' }]);

  const output = tempFolder();
  const env = connectorEnv({ brokers, topic, groupId: liveGroup, apiUrl: standIn.url, token, extra: { LOG_LEVEL: 'warn' } });
  const dry = await cli(['dry-run', '--output-dir', output], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(standIn.executions.length, 0, 'a dry run POSTs nothing');
  assert.deepEqual([...(await committedOffsets(liveGroup, topic)).values()].filter((offset) => offset >= 0n), [], 'a dry run commits nothing');

  const files = readdirSync(output).filter((file) => file.endsWith('.ndjson'));
  const written = files.flatMap((file) => readFileSync(join(output, file), 'utf8').split('\n').filter((line) => line.length > 0).map((line) => canonicalLine(JSON.parse(line) as Record<string, unknown>))).sort();
  const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8')) as { events: number; deadLetters: number; windows: { file: string }[] };
  assert.equal(summary.events, 73);
  assert.equal(summary.deadLetters, 1);
  assert.deepEqual(summary.windows.map((window) => window.file).sort(), files.sort());

  const live = startConnectorProcess(env);
  connectors.add(live);
  await waitFor('the live run to commit everything', () => offsetsReachEnd(liveGroup, topic), 60_000);
  live.kill('SIGTERM');
  assert.equal((await live.exited).code, 0);
  assert.deepEqual(written, received(standIn));
});

test('check-config reports each check and what it would do', async () => {
  const brokers = await testBrokers();
  const topic = uniqueName('check');
  await createTopic(topic, 1);
  const standIn = await startStandIn({ token });
  standIns.add(standIn);
  const env = connectorEnv({ brokers, topic, groupId: uniqueName('group'), apiUrl: standIn.url, token, extra: { LOG_LEVEL: 'silent' } });

  const good = await cli(['check-config'], env);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^ok {4} configuration: valid/m);
  assert.match(good.stdout, /^ok {4} kafka brokers: 1 broker\(s\) answer/m);
  assert.match(good.stdout, new RegExp(`^ok {4} topic ${topic}: exists`, 'm'));
  assert.match(good.stdout, /^ok {4} mediarithmics API: token accepted; datamart 1509 found/m);
  assert.match(good.stdout, /^ok {4} memory bounds: the buffers fit in the V8 heap limit of \d+ MiB/m);
  assert.match(good.stdout, /a new document import "consent-withdrawal-deletions" \(USER_POINTS_DELETION\), created on the first window/);

  const refused = await cli(['check-config'], { ...env, MEDIARITHMICS_API_TOKEN: 'wrong-token', DLQ_TOPIC: `${topic}-missing-dlq` });
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /^FAILED mediarithmics API: the token is refused \(HTTP 401\)/m);
  assert.match(refused.stdout, new RegExp(`^FAILED dead-letter topic ${topic}-missing-dlq: not found`, 'm'));
  assert.ok(!refused.stdout.includes('wrong-token'));

  // 4 x 64 MiB of held records alone exceed a heap capped at 128 MiB.
  const cramped = await cli(['check-config'], { ...env, NODE_OPTIONS: '--max-old-space-size=128', MAX_BUFFERED_BYTES: String(64 * 1024 * 1024) });
  assert.equal(cramped.code, 1);
  assert.match(cramped.stdout, /^FAILED memory bounds: the buffers may need about \d{3} MiB, above the V8 heap limit of \d+ MiB: lower MAX_BUFFERED_BYTES/m);

  const offline = await cli(['check-config', '--timeout', '2000'], { ...env, KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'error' });
  assert.equal(offline.code, 1);
  assert.match(offline.stdout, /^FAILED kafka brokers: not reachable at 127.0.0.1:1/m);
  // The report alone is on standard output; kafkajs' connection errors are logged to standard error, each with one component field.
  assert.doesNotMatch(offline.stdout, /"level"/);
  const logLines = offline.stderr.split('\n').filter((line) => line.startsWith('{'));
  assert.ok(logLines.length > 0, 'the connection errors are logged');
  for (const line of logLines) assert.equal(line.match(/"component":/g)?.length ?? 0, 1, line);
});
