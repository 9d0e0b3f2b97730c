// Steady-load mode. The connector starts first, then events are produced at a
// fixed rate. An event's latency runs from the timestamp the producer put in
// its record to the time the API received the execution with its lines. Every
// deleting event carries an extra user_account identifier
// `steady-<sequence>-<timestampMs>`, so its line can be found in the body.
import { join } from 'node:path';
import type { Kafka, Message } from 'kafkajs';
import { benchEvent } from './events.ts';
import { baseEnv, spawnChild, stopChild } from './children.ts';
import type { BenchContext } from './runners.ts';
import { committedRecords } from './topic.ts';

export interface SteadyOptions {
  rate: number;
  durationSeconds: number;
  partitions: number;
  /** WINDOW_MAX_AGE_MS given to the connector, or undefined for its default. */
  windowMaxAgeMs: number | undefined;
  /** Other connector environment variables. */
  env: Record<string, string>;
  nodeOptions: string | undefined;
}

export interface SteadyResult {
  produced: number;
  /** Produced events that must reach the API (the others are skipped or malformed). */
  deleting: number;
  /** Deleting events whose line reached the API at least once. */
  observed: number;
  /** Lines of deleting events that reached the API more than once. */
  repeated: number;
  achievedRate: number;
  /** Every deleting event, including those of the last window, which waits for its age limit once production stops. */
  latencyMs: Percentiles;
  /** Only events whose execution arrived while production was still running: the steady state without the end-of-test window. */
  latencyWhileProducingMs: Percentiles;
  windowMaxAgeMs: number;
  posts: number;
  meanLinesPerPost: number;
  windowTriggers: Record<string, number>;
  cpuSeconds: number | undefined;
  peakRssMiB: number | undefined;
  exit: number | string;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const CONNECTOR_DEFAULT_WINDOW_MAX_AGE_MS = 10_000;
const TICK_MS = 50;
const markerPattern = /"user_account_id":"steady-(\d+)-(\d+)"/g;

export async function runSteady(context: BenchContext, kafka: Kafka, options: SteadyOptions): Promise<SteadyResult> {
  const topic = `bench-steady-${context.runTag}`;
  const groupId = `bench-steady-${context.runTag}`;
  await context.admin.createTopics({ topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }], waitForLeaders: true });
  context.proxy.resetStats();

  const latencies: { latencyMs: number; receivedAtMs: number }[] = [];
  const seen = new Set<number>();
  let repeated = 0;
  context.proxy.onExecution = (body, receivedAtMs) => {
    for (const match of body.matchAll(markerPattern)) {
      const sequence = Number(match[1]);
      if (seen.has(sequence)) {
        repeated += 1;
        continue;
      }
      seen.add(sequence);
      latencies.push({ latencyMs: receivedAtMs - Number(match[2]), receivedAtMs });
    }
  };

  let joinedAtMs: number | undefined;
  const windowTriggers: Record<string, number> = {};
  const env: Record<string, string> = {
    ...baseEnv(),
    KAFKA_BROKERS: context.bootstrap,
    KAFKA_TOPICS: topic,
    KAFKA_GROUP_ID: groupId,
    MEDIARITHMICS_API_URL: context.proxy.url,
    MEDIARITHMICS_API_TOKEN: context.token,
    MEDIARITHMICS_DATAMART_ID: context.datamartId,
    HTTP_PORT: '0',
    ...options.env,
  };
  if (options.windowMaxAgeMs !== undefined) env.WINDOW_MAX_AGE_MS = String(options.windowMaxAgeMs);
  if (options.nodeOptions) env.NODE_OPTIONS = options.nodeOptions;
  const child = spawnChild(process.execPath, [join(context.repoRoot, 'src', 'cli', 'main.ts')], {
    cwd: context.repoRoot,
    env,
    logPath: join(context.runDir, `${groupId}.log`),
    keepLines: false,
    onLine: (line) => {
      if (line.msg === 'joined consumer group') joinedAtMs ??= Date.now();
      if (line.msg === 'window delivered') windowTriggers[String(line.trigger)] = (windowTriggers[String(line.trigger)] ?? 0) + 1;
    },
  });

  try {
    const joinDeadline = Date.now() + 60_000;
    while (joinedAtMs === undefined) {
      if (Date.now() > joinDeadline) throw new Error('the connector did not join its group within 60 s');
      if (child.process.exitCode !== null) throw new Error(`the connector exited early; stderr tail:\n${child.stderrTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    context.log(`producing ${options.rate} events/s for ${options.durationSeconds} s to ${topic}`);
    const { produced, deleting, seconds } = await produceAtRate(kafka, topic, options);
    const productionEndedAtMs = Date.now();

    // Every offset must be committed, which needs at most one window age plus a commit interval.
    const ageMs = options.windowMaxAgeMs ?? CONNECTOR_DEFAULT_WINDOW_MAX_AGE_MS;
    const drainDeadline = Date.now() + ageMs + 30_000;
    let committed = 0;
    while (committed < produced) {
      if (Date.now() > drainDeadline) throw new Error(`only ${committed} of ${produced} records were committed ${ageMs + 30_000} ms after production ended`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      committed = await committedRecords(context.admin, groupId, topic);
    }

    const stats = child.sampler.read();
    const { exit } = await stopChild(child, 40_000);
    const proxyStats = context.proxy.stats;
    return {
      produced,
      deleting,
      observed: seen.size,
      repeated,
      achievedRate: produced / seconds,
      latencyMs: percentiles(latencies.map((entry) => entry.latencyMs)),
      latencyWhileProducingMs: percentiles(latencies.filter((entry) => entry.receivedAtMs <= productionEndedAtMs).map((entry) => entry.latencyMs)),
      windowMaxAgeMs: ageMs,
      posts: proxyStats.posts,
      meanLinesPerPost: proxyStats.posts === 0 ? 0 : proxyStats.lines / proxyStats.posts,
      windowTriggers,
      cpuSeconds: stats?.cpuSeconds,
      peakRssMiB: stats?.peakRssMiB,
      exit,
    };
  } catch (error) {
    await stopChild(child, 5_000);
    throw error;
  } finally {
    context.proxy.onExecution = undefined;
    await context.admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch(() => undefined);
  }
}

/**
 * Sends, every TICK_MS, the events that are due at `rate` since the start, so
 * a slow send is caught up on the next tick. Bounded to rate × duration events
 * and to the duration plus 30 s.
 */
async function produceAtRate(kafka: Kafka, topic: string, options: SteadyOptions): Promise<{ produced: number; deleting: number; seconds: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const total = options.rate * options.durationSeconds;
  const started = performance.now();
  const hardStop = started + (options.durationSeconds + 30) * 1000;
  let produced = 0;
  let deleting = 0;
  try {
    while (produced < total && performance.now() < hardStop) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      if (due > produced) {
        const messages: Message[] = [];
        for (; produced < due; produced += 1) {
          const timestampMs = Date.now();
          const event = benchEvent(produced, `steady-${produced}-${timestampMs}`);
          if (event.lines > 0) deleting += 1;
          messages.push({ key: event.key, value: event.value, timestamp: String(timestampMs), partition: produced % options.partitions });
        }
        await producer.send({ topic, messages, acks: 1 });
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  } finally {
    await producer.disconnect();
  }
  return { produced, deleting, seconds: (performance.now() - started) / 1000 };
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}
