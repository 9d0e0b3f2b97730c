// Records the metrics of one real local run for the dashboard picture. It
// starts a single-node Kafka broker and the mediarithmics stand-in, and runs
// the connector as a child process. For 150 s it produces generated consent
// events at a varying rate, with a few malformed records, and scripts a 503
// outage, a 401 period and one failed execution on the stand-in. Meanwhile it
// scrapes /metrics every 2 s as Prometheus would. The run takes about 3
// minutes once the broker is up.
//
//   node scripts/dashboard/record.ts [--out .cache/dashboard/samples.json]
//
// render.ts turns the samples into the dashboard page.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { freePort, repoRoot, startBroker } from '../kafka/broker.ts';
import { generateEvent } from '../sample-events.ts';
import { startStandIn, type ScriptedReply } from '../../stand-in/mediarithmics/server.ts';
import { parseExposition } from './exposition.ts';
import type { RunEvent, SamplesFile, Scrape } from './samples.ts';

// kafkajs 2.2.4 schedules a timer with a negative delay on Node.js 24, which Node clamps to 1 ms, so only that warning is hidden.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const { values: options } = parseArgs({
  options: { out: { type: 'string', default: join(repoRoot, '.cache', 'dashboard', 'samples.json') } },
});
const outPath = resolve(options.out);

const topic = 'consent-events';
const groupId = 'mediarithmics-deletion-connector-dashboard';
const token = 'dashboard-token';
const datamartId = '1509';
const scrapeIntervalMs = 2000;
const produceSeconds = 150;
/** The connector gets SIGTERM at this point of the run at the latest, even with records still uncommitted. */
const stopDeadlineSeconds = 172;
/** Time left after SIGTERM before the connector is killed. Its own SHUTDOWN_TIMEOUT_MS below is shorter. */
const exitGraceMs = 15_000;

const workDir = join(repoRoot, '.cache', 'dashboard');
rmSync(join(workDir, 'kafka'), { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

say('Starting a single-node Kafka broker (the first run downloads it with Maven)...');
const broker = await startBroker({ dir: join(workDir, 'kafka') });
const standIn = await startStandIn({ token });
say(`Kafka on ${broker.bootstrap}; mediarithmics stand-in on ${standIn.url}`);

const kafka = new Kafka({ clientId: 'dashboard-recorder', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();

const httpPort = await freePort();
const connectorEnv: Record<string, string> = {
  KAFKA_BROKERS: broker.bootstrap,
  KAFKA_TOPICS: topic,
  KAFKA_GROUP_ID: groupId,
  MEDIARITHMICS_API_URL: standIn.url,
  MEDIARITHMICS_API_TOKEN: token,
  MEDIARITHMICS_DATAMART_ID: datamartId,
  // Small windows and short delays, so that three minutes show every kind of window cut, retry and follow-up.
  WINDOW_MAX_LINES: '200',
  WINDOW_MAX_AGE_MS: '2000',
  EXECUTION_FOLLOW_UP_INTERVAL_MS: '2000',
  RETRY_MAX_DELAY_MS: '4000',
  AUTH_RETRY_DELAY_MS: '5000',
  SHUTDOWN_TIMEOUT_MS: '10000',
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: String(httpPort),
};
const shownSettings = Object.entries(connectorEnv)
  .filter(([name]) => !['KAFKA_BROKERS', 'MEDIARITHMICS_API_URL', 'MEDIARITHMICS_API_TOKEN', 'HTTP_PORT'].includes(name))
  .map(([name, value]) => `${name}=${value}`);

const logPath = join(workDir, 'connector.log');
const log = createWriteStream(logPath);
const connector = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts')], {
  cwd: repoRoot,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { PATH: process.env.PATH ?? '', ...connectorEnv },
});
connector.stdout.pipe(log);
connector.stderr.pipe(log);
const connectorExit = new Promise<number | null>((resolveExit) => connector.once('exit', (code) => resolveExit(code)));
let connectorRunning = true;
void connectorExit.then(() => {
  connectorRunning = false;
});
say(`Connector started with /metrics on 127.0.0.1:${httpPort}; its JSON logs go to ${relative(repoRoot, logPath)}`);

const runStartMs = Date.now();
const runEvents: RunEvent[] = [];
const note = (text: string): void => {
  runEvents.push({ timeMs: Date.now(), text });
  say(`[${((Date.now() - runStartMs) / 1000).toFixed(0).padStart(3)} s] ${text}`);
};

// Scraping runs beside the producer in this process, on a fixed 2 s grid like a Prometheus scrape loop.
const scrapes: Scrape[] = [];
let scraping = true;
const scrapeLoop = (async () => {
  for (let tick = 0; scraping; tick += 1) {
    const dueMs = runStartMs + tick * scrapeIntervalMs;
    const waitMs = dueMs - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    scrapes.push(await scrape(`http://127.0.0.1:${httpPort}/metrics`));
  }
})();

const produced = await produceTimeline();
note(`Production stopped after ${produced} records`);

const committedAll = await waitForCommits(produced, runStartMs + stopDeadlineSeconds * 1000);
note(committedAll ? 'Every record committed; SIGTERM sent to the connector' : 'Deadline reached with records uncommitted; SIGTERM sent to the connector');
const sigtermSentAt = new Date().toISOString();
connector.kill('SIGTERM');
const exitCode = await Promise.race([connectorExit, sleep(exitGraceMs).then(() => 'timeout' as const)]);
if (exitCode === 'timeout') {
  note(`The connector did not exit within ${exitGraceMs / 1000} s of SIGTERM; killed`);
  connector.kill('SIGKILL');
  await connectorExit;
} else {
  note(`Connector exited with code ${exitCode}`);
}

// One more scrape after the exit, so the series end there as Prometheus marks them stale.
await sleep(scrapeIntervalMs);
scraping = false;
await scrapeLoop;

await producer.disconnect();
await admin.disconnect();
await standIn.close();
await broker.stop();

const endedAt = new Date().toISOString();
const samplesFile: SamplesFile = {
  version: 1,
  target: { job: 'mediarithmics-deletion-connector', instance: `127.0.0.1:${httpPort}` },
  scrapeIntervalMs,
  startedAt: new Date(runStartMs).toISOString(),
  endedAt,
  sigtermSentAt,
  description: [
    'node scripts/dashboard/record.ts',
    `${produced} records produced to ${topic} (3 partitions) over ${produceSeconds} s; mediarithmics stand-in with scripted faults`,
    `Connector settings: ${shownSettings.join(' ')}`,
  ],
  events: runEvents,
  scrapes,
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(samplesFile)}\n`);
const failed = scrapes.filter((item) => !item.up).length;
say(`Wrote ${scrapes.length} scrapes (${failed} failed, while the connector was starting or after it stopped) to ${relative(repoRoot, outPath)}`);
say(`The stand-in accepted ${standIn.executions.length} executions.`);
process.exit(0);

/** Events per second at `second` of the production phase: a slow start, a ramp, a burst, a quiet spell and a wave. */
function eventsPerSecond(second: number): number {
  if (second < 20) return 8;
  if (second < 40) return 8 + ((second - 20) / 20) * 32;
  if (second < 70) return 40;
  if (second < 85) return 90;
  if (second < 110) return 20;
  if (second < 140) return 30 + 15 * Math.sin(((second - 110) / 30) * 2 * Math.PI);
  return 5;
}

/**
 * Produces events every 500 ms following `eventsPerSecond`, adds malformed
 * records at 30, 80 and 120 s, and queues the stand-in faults. Returns the
 * number of records produced.
 */
async function produceTimeline(): Promise<number> {
  const faults: { atSecond: number; text: string; replies: ScriptedReply[] }[] = [
    // Each reply is used by one POST attempt. With 2 POSTs in flight and a jittered backoff capped at 4 s, 16 replies lasted 9 s and 15 s in two runs.
    { atSecond: 45, text: '503 outage begins (16 execution POSTs get 503)', replies: [{ status: 503, times: 16 }] },
    // The connector waits AUTH_RETRY_DELAY_MS (5 s) between tries while the token is rejected.
    { atSecond: 95, text: 'Token rejected (3 execution POSTs get 401)', replies: [{ status: 401, times: 3 }] },
    { atSecond: 125, text: 'One execution scripted to end FAILED with 20 failed lines', replies: [{ outcome: { finalStatus: 'FAILED', totalFailure: 20, errorMessage: 'scripted failure' } }] },
  ];
  const malformedAt = [30, 80, 120];

  let index = 0;
  let count = 0;
  let carry = 0;
  const stepMs = 500;
  for (let step = 0; step < (produceSeconds * 1000) / stepMs; step += 1) {
    const dueMs = runStartMs + step * stepMs;
    const waitMs = dueMs - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    const second = (step * stepMs) / 1000;

    for (const fault of faults.filter((item) => item.atSecond === second)) {
      standIn.script(...fault.replies);
      note(fault.text);
    }

    const messages: Message[] = [];
    carry += eventsPerSecond(second) * (stepMs / 1000);
    while (carry >= 1) {
      messages.push({ value: JSON.stringify(liveEvent(index)) });
      index += 1;
      carry -= 1;
    }
    if (malformedAt.includes(second)) {
      messages.push(...malformedRecords(index));
      note('Malformed records produced (8: invalid JSON, wrong types, a tombstone, bad identifiers)');
    }
    if (messages.length > 0) {
      await producer.send({ topic, messages, acks: -1 });
      count += messages.length;
    }
  }
  return count;
}

/**
 * Generated event `index` with `occurred_at` moved to the present: 0 to 5 s
 * before it is produced, and 1 to 15 min before for one event in 400, as a late
 * producer would send it. generateEvent's own dates lie in November 2026.
 */
function liveEvent(index: number): Record<string, unknown> {
  const { event } = generateEvent(index, 'dashboard');
  const lateProducer = index % 400 === 7;
  const delayMs = lateProducer ? 60_000 + Math.random() * 14 * 60_000 : Math.random() * 5000;
  return { ...event, occurred_at: new Date(Date.now() - delayMs).toISOString() };
}

/** Records that the connector dead-letters or skips, each for a different reason code. */
function malformedRecords(index: number): Message[] {
  const now = new Date().toISOString();
  const event = (suffix: string, fields: Record<string, unknown>): Message => ({
    value: JSON.stringify({ event_id: `dashboard-malformed-${index}-${suffix}`, event_type: 'erasure.requested', occurred_at: now, ...fields }),
  });
  return [
    { value: '{"event_id": "dashboard-truncated' },
    { value: '["an array, not an event"]' },
    event('timestamp', { occurred_at: 'yesterday', identifiers: [{ type: 'user_point', user_point_id: 'not-checked' }] }),
    event('type', { event_type: 'consent.revoked', identifiers: [{ type: 'user_account', user_account_id: 'CRM-1' }] }),
    event('no-usable', { identifiers: [{ type: 'email', email: 'no-at-sign' }] }),
    event('one-bad', { identifiers: [{ type: 'email', email: 'not-an-address' }, { type: 'user_account', user_account_id: `CRM-M${index}` }] }),
    event('duplicate', { identifiers: [{ type: 'user_account', user_account_id: `CRM-D${index}` }, { type: 'user_account', user_account_id: `CRM-D${index}` }] }),
    { value: null },
  ];
}

/** Waits until the group's committed offsets cover `total` records or `deadlineMs` passes, and returns whether they do. */
async function waitForCommits(total: number, deadlineMs: number): Promise<boolean> {
  while (Date.now() < deadlineMs && connectorRunning) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = (committed?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
    if (done >= total) return true;
    await sleep(500);
  }
  return false;
}

async function scrape(url: string): Promise<Scrape> {
  const timeMs = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(scrapeIntervalMs - 200) });
    const body = await response.text();
    if (response.status !== 200) return { timeMs, up: false, error: `HTTP ${response.status}`, samples: [] };
    return { timeMs, up: true, samples: parseExposition(body) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { timeMs, up: false, error: cause ?? (error as Error).message, samples: [] };
  }
}
