// One measured run of each consumer the benchmark compares: Kafka's Java
// consumer performance tool, bare kafkajs and @platformatic/kafka consumers,
// the connector (one or more processes in one group) and the naive connector.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { libsDir } from '../scripts/kafka/broker.ts';
import { nodeFlags } from '../src/cli/node-flags.ts';
import type { ApiProxy } from './api-proxy.ts';
import { baseEnv, spawnChild, stopChild, type Child } from './children.ts';
import { committedRecords } from './topic.ts';

export interface BenchContext {
  repoRoot: string;
  bootstrap: string;
  admin: Admin;
  proxy: ApiProxy;
  token: string;
  datamartId: string;
  /** Directory for child logs and profiles of this invocation. */
  runDir: string;
  /** Unique per invocation, so every run gets a new consumer group. */
  runTag: string;
  log(text: string): void;
}

export interface Measurement {
  kind: 'java' | 'bare' | 'bare-json' | 'platformatic' | 'platformatic-json' | 'connector' | 'connector-pair' | 'naive';
  /** Records consumed (or committed) during the measured interval. */
  records: number;
  /** Measured interval in seconds: from joining the group until the last record was consumed or committed. */
  seconds: number;
  eventsPerSecond: number;
  /** Connector only: records per second until 95 % of the offsets were committed, which leaves out the last window's wait for its age limit. */
  eventsPerSecondTo95?: number;
  /** User plus system CPU of the measured process (summed over processes), whole process lifetime until the measurement ended. */
  cpuSeconds: number | undefined;
  /** Highest VmHWM of the measured processes, in MiB. */
  peakRssMiB: number | undefined;
  /** Execution POSTs the API received. */
  posts?: number;
  lines?: number;
  linesPerPost?: number[];
  /** Time the API side waited for each execution body, from its headers to its last byte, in ms. */
  uploadMsPerPost?: number[];
  /** Connector only: windows by the trigger that cut them, from its 'window delivered' logs. */
  windowTriggers?: Record<string, number>;
  deadLettered?: number;
  /** Connector only: times consumption was paused because the buffered windows reached MAX_BUFFERED_LINES or MAX_BUFFERED_BYTES. */
  pauses?: number;
  /** Connector only: seconds of the run spent in gaps of more than 1 s between two delivered windows. */
  deliveryGapSeconds?: number;
  /** Connector only: highest VmRSS (MiB) in each quarter of the measured interval, to tell growth with N from a plateau. */
  rssByQuarter?: number[];
  exits: (number | string)[];
  notes: string[];
}

/** Runs org.apache.kafka.tools.ConsumerPerformance from the broker's jars on the whole topic. */
export async function runJavaConsumer(context: BenchContext, topic: string, records: number, timeoutMs: number): Promise<Measurement> {
  const groupId = `bench-java-${context.runTag}-${Date.now()}`;
  const timeFile = join(context.runDir, `${groupId}.time`);
  const javaArgs = [
    '-Xmx512m',
    '-cp',
    `${libsDir}/*`,
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    context.bootstrap,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--group',
    groupId,
    '--timeout',
    '30000',
  ];
  // GNU time reports the CPU and peak RSS of the JVM after it exits, which /proc cannot do.
  const useTime = existsSync('/usr/bin/time');
  const [command, args] = useTime ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, 'java', ...javaArgs]] : ['java', javaArgs];

  const child = spawn(command, args as string[], { cwd: context.repoRoot, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  clearTimeout(timer);
  if (exit !== 0) throw new Error(`ConsumerPerformance exited with ${exit}; stderr tail:\n${stderr}`);

  const row = parseConsumerPerformance(stdout);
  let cpuSeconds: number | undefined;
  let peakRssMiB: number | undefined;
  if (useTime) {
    const [user, system, maxRssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpuSeconds = user! + system!;
    peakRssMiB = maxRssKiB! / 1024;
    rmSync(timeFile, { force: true });
  }
  const consumed = row['data.consumed.in.nMsg']!;
  if (consumed < records) throw new Error(`ConsumerPerformance read ${consumed} of ${records} records`);
  return {
    kind: 'java',
    records: consumed,
    seconds: row['fetch.time.ms']! / 1000,
    eventsPerSecond: row['fetch.nMsg.sec']!,
    cpuSeconds,
    peakRssMiB,
    exits: [exit],
    notes: [`rebalance ${row['rebalance.time.ms']} ms, whole run ${row['nMsg.sec']?.toFixed(0)} records/s`],
  };
}

/** Parses the header and the result row that ConsumerPerformance prints (comma-separated, dates first). */
function parseConsumerPerformance(stdout: string): Record<string, number> {
  const lines = stdout.split('\n').map((line) => line.trim());
  const headerIndex = lines.findIndex((line) => line.startsWith('start.time'));
  const values = lines[headerIndex + 1];
  if (headerIndex === -1 || values === undefined) throw new Error(`ConsumerPerformance printed no result row:\n${stdout.slice(-2000)}`);
  const names = lines[headerIndex]!.split(',').map((name) => name.trim());
  const cells = values.split(',').map((cell) => cell.trim());
  return Object.fromEntries(names.map((name, index) => [name, Number(cells[index])]));
}

/** Kafka client library of a bare consumer run. */
export type BareClient = 'kafkajs' | 'platformatic';

/** Child script, group id prefix and measurement kinds (count only, with JSON.parse) of each bare consumer. */
const BARE_CONSUMERS: Record<BareClient, { script: string; groupPrefix: string; kinds: [Measurement['kind'], Measurement['kind']] }> = {
  kafkajs: { script: 'bare-consumer.ts', groupPrefix: 'bench-bare', kinds: ['bare', 'bare-json'] },
  platformatic: { script: 'bare-platformatic.ts', groupPrefix: 'bench-platformatic', kinds: ['platformatic', 'platformatic-json'] },
};

/**
 * Runs the bare consumer of `client` (bench/bare-consumer.ts or
 * bench/bare-platformatic.ts) until it has counted every record, with
 * JSON.parse on every value when `parseJson` is set.
 */
export async function runBareConsumer(context: BenchContext, client: BareClient, topic: string, records: number, timeoutMs: number, parseJson: boolean): Promise<Measurement> {
  const { script, groupPrefix, kinds } = BARE_CONSUMERS[client];
  const groupId = `${groupPrefix}-${context.runTag}-${Date.now()}`;
  const args = [join(context.repoRoot, 'bench', script), context.bootstrap, topic, groupId, String(records), ...(parseJson ? ['json'] : [])];
  const child = spawnChild(process.execPath, args, {
    cwd: context.repoRoot,
    env: baseEnv(),
    logPath: join(context.runDir, `${groupId}.log`),
  });
  try {
    const joined = await child.waitForLine((line) => line.event === 'joined', 60_000, `the bare ${client} consumer joining its group`);
    const done = await child.waitForLine((line) => line.event === 'done', timeoutMs, `the bare ${client} consumer reading ${records} records`);
    const { stats, exit } = await stopChild(child, 10_000);
    const seconds = ((done.atMs as number) - (joined.atMs as number)) / 1000;
    return {
      kind: parseJson ? kinds[1] : kinds[0],
      records: done.records as number,
      seconds,
      eventsPerSecond: (done.records as number) / seconds,
      cpuSeconds: stats?.cpuSeconds,
      peakRssMiB: stats?.peakRssMiB,
      exits: [exit],
      notes: parseJson ? [`${done.invalidJson as number} values were not valid JSON`] : [],
    };
  } catch (error) {
    await stopChild(child, 5_000);
    throw error;
  }
}

export interface ConnectorRunOptions {
  topic: string;
  records: number;
  processes: number;
  /** Variables added to the connector's environment (window limits and the like). */
  env: Record<string, string>;
  /** Set to profile the run, for example `--cpu-prof --cpu-prof-dir=…`. */
  nodeOptions?: string;
  timeoutMs: number;
}

/** Runs `node <nodeFlags> src/cli/main.ts`, as the container does (one or more processes in a new group) until every offset of the topic is committed. */
export async function runConnector(context: BenchContext, options: ConnectorRunOptions): Promise<Measurement> {
  const groupId = `bench-connector-${context.runTag}-${Date.now()}`;
  context.proxy.resetStats();

  let joinedAtMs = Number.POSITIVE_INFINITY;
  let deadLettered = 0;
  let pauses = 0;
  let lastDeliveryMs: number | undefined;
  let deliveryGapMs = 0;
  const windowTriggers: Record<string, number> = {};
  const onLine = (line: Record<string, unknown>): void => {
    if (line.msg === 'record dead-lettered') {
      deadLettered += 1;
    } else if (line.msg === 'joined consumer group') {
      joinedAtMs = Math.min(joinedAtMs, Date.parse(String(line.time)));
    } else if (line.msg === 'consumption paused') {
      pauses += 1;
    } else if (line.msg === 'window delivered') {
      windowTriggers[String(line.trigger)] = (windowTriggers[String(line.trigger)] ?? 0) + 1;
      const atMs = Date.parse(String(line.time));
      if (lastDeliveryMs !== undefined && atMs - lastDeliveryMs > 1000) deliveryGapMs += atMs - lastDeliveryMs;
      lastDeliveryMs = atMs;
    }
  };

  const children: Child[] = [];
  for (let index = 0; index < options.processes; index += 1) {
    const env: Record<string, string> = {
      ...baseEnv(),
      KAFKA_BROKERS: context.bootstrap,
      KAFKA_TOPICS: options.topic,
      KAFKA_GROUP_ID: groupId,
      KAFKA_CLIENT_ID: `bench-connector-${index + 1}`,
      MEDIARITHMICS_API_URL: context.proxy.url,
      MEDIARITHMICS_API_TOKEN: context.token,
      MEDIARITHMICS_DATAMART_ID: context.datamartId,
      HTTP_PORT: '0',
      ...options.env,
    };
    if (options.nodeOptions) env.NODE_OPTIONS = options.nodeOptions;
    children.push(
      spawnChild(process.execPath, [...nodeFlags, join(context.repoRoot, 'src', 'cli', 'main.ts')], {
        cwd: context.repoRoot,
        env,
        logPath: join(context.runDir, `${groupId}-${index + 1}.log`),
        onLine,
        keepLines: false,
      }),
    );
  }

  let t95AtMs: number | undefined;
  let doneAtMs: number | undefined;
  const deadline = Date.now() + options.timeoutMs;
  try {
    while (doneAtMs === undefined) {
      if (Date.now() > deadline) {
        const committed = await committedRecords(context.admin, groupId, options.topic);
        throw new Error(`the connector committed ${committed} of ${options.records} records within ${options.timeoutMs} ms; logs in ${context.runDir}`);
      }
      const exited = children.find((child) => child.process.exitCode !== null || child.process.signalCode !== null);
      if (exited) throw new Error(`a connector process exited early (${exited.process.exitCode ?? exited.process.signalCode}); stderr tail:\n${exited.stderrTail()}`);

      await new Promise((resolve) => setTimeout(resolve, 100));
      const committed = await committedRecords(context.admin, groupId, options.topic);
      const now = Date.now();
      if (t95AtMs === undefined && committed >= 0.95 * options.records) t95AtMs = now;
      if (committed >= options.records) doneAtMs = now;
    }
  } catch (error) {
    await Promise.all(children.map((child) => stopChild(child, 5_000)));
    throw error;
  }

  // Read every process's counters before any of them starts shutting down.
  const stats = children.map((child) => child.sampler.read());
  const stopped = await Promise.all(children.map((child) => stopChild(child, 40_000)));
  const seconds = (doneAtMs - joinedAtMs) / 1000;
  const proxyStats = context.proxy.stats;
  const notes: string[] = [];
  if (proxyStats.sampleLineErrors.length > 0) notes.push(`invalid lines in the checked execution: ${proxyStats.sampleLineErrors.join('; ')}`);
  if (proxyStats.rejectedPosts > 0) notes.push(`${proxyStats.rejectedPosts} execution POSTs rejected by the stand-in`);

  return {
    kind: options.processes === 1 ? 'connector' : 'connector-pair',
    records: options.records,
    seconds,
    eventsPerSecond: options.records / seconds,
    eventsPerSecondTo95: t95AtMs === undefined ? undefined : (0.95 * options.records) / ((t95AtMs - joinedAtMs) / 1000),
    cpuSeconds: sumDefined(stats.map((entry) => entry?.cpuSeconds)),
    peakRssMiB: maxDefined(stats.map((entry) => entry?.peakRssMiB)),
    posts: proxyStats.posts,
    lines: proxyStats.lines,
    linesPerPost: [...proxyStats.linesPerPost],
    uploadMsPerPost: [...proxyStats.uploadMsPerPost],
    windowTriggers,
    deadLettered,
    pauses,
    deliveryGapSeconds: deliveryGapMs / 1000,
    rssByQuarter: rssByQuarter(children, joinedAtMs, doneAtMs),
    exits: stopped.map((entry) => entry.exit),
    notes,
  };
}

/** Highest VmRSS of any of the processes in each quarter of [startMs, endMs]. */
function rssByQuarter(children: Child[], startMs: number, endMs: number): number[] {
  const quarters = [0, 0, 0, 0];
  const span = Math.max(1, endMs - startMs);
  for (const child of children) {
    for (const { atMs, rssMiB } of child.sampler.rssSeries) {
      if (atMs < startMs || atMs > endMs) continue;
      const quarter = Math.min(3, Math.floor(((atMs - startMs) / span) * 4));
      quarters[quarter] = Math.max(quarters[quarter]!, rssMiB);
    }
  }
  return quarters;
}

export interface NaiveRunOptions {
  topic: string;
  maxRecords: number;
  maxSeconds: number;
}

/** Runs bench/naive-connector.ts until it has committed `maxRecords` records or `maxSeconds` have passed since it joined. */
export async function runNaiveConnector(context: BenchContext, options: NaiveRunOptions): Promise<Measurement> {
  const groupId = `bench-naive-${context.runTag}-${Date.now()}`;
  context.proxy.resetStats();
  const child = spawnChild(
    process.execPath,
    [join(context.repoRoot, 'bench', 'naive-connector.ts'), context.bootstrap, options.topic, groupId, context.proxy.url, context.datamartId],
    { cwd: context.repoRoot, env: { ...baseEnv(), MEDIARITHMICS_API_TOKEN: context.token }, logPath: join(context.runDir, `${groupId}.log`) },
  );
  try {
    const joined = await child.waitForLine((line) => line.event === 'joined', 60_000, 'the naive connector joining its group');
    const joinedAtMs = joined.atMs as number;
    const endAtMs = joinedAtMs + options.maxSeconds * 1000;
    let committed = 0;
    let lastPollMs = Date.now();
    while (committed < options.maxRecords && lastPollMs < endAtMs) {
      if (child.process.exitCode !== null) throw new Error(`the naive connector exited early; stderr tail:\n${child.stderrTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      committed = await committedRecords(context.admin, groupId, options.topic);
      lastPollMs = Date.now();
    }
    const { stats, exit } = await stopChild(child, 15_000);
    const seconds = (lastPollMs - joinedAtMs) / 1000;
    const bound = committed >= options.maxRecords ? `the first ${options.maxRecords} records` : `${options.maxSeconds} s`;
    return {
      kind: 'naive',
      records: committed,
      seconds,
      eventsPerSecond: committed / seconds,
      cpuSeconds: stats?.cpuSeconds,
      peakRssMiB: stats?.peakRssMiB,
      posts: context.proxy.stats.posts,
      lines: context.proxy.stats.lines,
      linesPerPost: [...context.proxy.stats.linesPerPost],
      exits: [exit],
      notes: [`bounded to ${bound}; ${committed} records committed`],
    };
  } catch (error) {
    await stopChild(child, 5_000);
    throw error;
  }
}

function sumDefined(values: (number | undefined)[]): number | undefined {
  return values.some((value) => value === undefined) ? undefined : values.reduce<number>((sum, value) => sum + value!, 0);
}

function maxDefined(values: (number | undefined)[]): number | undefined {
  return values.some((value) => value === undefined) ? undefined : Math.max(...(values as number[]));
}
