#!/usr/bin/env node
// Benchmark harness. It starts a Kafka broker and the mediarithmics stand-in
// behind a latency proxy, and loads a backlog topic once. Then it measures
// Kafka's Java consumer, bare kafkajs and @platformatic/kafka consumers, the
// connector (one and two processes) and a naive connector on it, one after
// the other. `--steady` measures produce-to-POST latency at a fixed rate
// instead. Run `node bench/run.ts --help` for the options; the results are
// printed as markdown and kept under .cache/bench/runs/.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot, startBroker } from '../scripts/kafka/broker.ts';
import { startStandIn } from '../stand-in/mediarithmics/server.ts';
import { ApiProxy } from './api-proxy.ts';
import { parseOptions, USAGE, type BenchOptions } from './options.ts';
import { formatProfileSummary, readProfile, summariseProfile } from './profile-summary.ts';
import { describeEnvironment, formatTable, sourceCommit, sourceFingerprint, summarise, windowFill, type Summary } from './report.ts';
import { runBareConsumer, runConnector, runJavaConsumer, runNaiveConnector, type BenchContext, type Measurement } from './runners.ts';
import { runSteady, type SteadyResult } from './steady.ts';
import { ignoreNegativeTimeoutWarnings } from './child-io.ts';
import { ensureBacklogTopic, type TopicManifest } from './topic.ts';

/** The connector's WINDOW_MAX_LINES default, which the window fill is measured against. */
const WINDOW_MAX_LINES = 10_000;
const RSS_LIMIT_MIB = 256;
/** Peak RSS on 5 × N may exceed the one on N by at most this share and still count as independent of N. */
const RSS_GROWTH_ALLOWED = 0.2;

ignoreNegativeTimeoutWarnings();

let options: BenchOptions;
try {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}

const startedAt = performance.now();
const log = (text: string): void => {
  process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(0).padStart(5)} s] ${text}\n`);
};

const benchDir = join(repoRoot, '.cache', 'bench');
const runTag = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}`;
const runDir = join(benchDir, 'runs', runTag);
mkdirSync(runDir, { recursive: true });
const environment = describeEnvironment(repoRoot);
const fingerprintAtStart = sourceFingerprint(repoRoot);
const token = 'bench-token';

log(`starting the Kafka broker in ${join(benchDir, 'kafka')} (kept between runs)`);
const broker = await startBroker({ dir: join(benchDir, 'kafka'), heapMiB: 1024 });
const standIn = await startStandIn({ token });
const proxy = new ApiProxy({ target: standIn.url, latencyMs: options.latencyMs, mode: options.proxyMode });
await proxy.listen();
const kafka = new Kafka({ clientId: 'bench-harness', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
log(`broker ${broker.bootstrap}; stand-in ${standIn.url}; API proxy ${proxy.url} (${options.proxyMode} mode, ${options.latencyMs} ms per reply)`);

const context: BenchContext = { repoRoot, bootstrap: broker.bootstrap, admin, proxy, token, datamartId: '1509', runDir, runTag, log };
let exitCode = 0;
try {
  const report = options.steady ? await steadyMode() : await backlogMode();
  writeFileSync(join(runDir, 'report.md'), report);
  process.stdout.write(report);
  log(`report and child logs in ${runDir}`);
} catch (error) {
  exitCode = 1;
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
} finally {
  await admin.disconnect().catch(() => undefined);
  await proxy.close();
  await standIn.close();
  await broker.stop();
}
process.exit(exitCode);

function connectorEnv(): Record<string, string> {
  const env: Record<string, string> = { ...options.connectorEnv };
  if (options.windowMaxAgeMs !== undefined) env.WINDOW_MAX_AGE_MS = String(options.windowMaxAgeMs);
  return env;
}

/** Describes the settings that differ from the connector's defaults, for the report. */
function connectorSettings(): string {
  const changed = Object.entries(connectorEnv()).map(([name, value]) => `${name}=${value}`);
  if (options.nodeOptions) changed.push(`NODE_OPTIONS="${options.nodeOptions}"`);
  return changed.length === 0 ? 'connector defaults' : `connector defaults except ${changed.join(', ')}`;
}

/** Bound for one run over `records` records: generous, so only a stuck run hits it. */
function runTimeoutMs(records: number): number {
  return Math.max(180_000, records / 2);
}

async function ensureTopic(events: number): Promise<TopicManifest> {
  return ensureBacklogTopic(kafka, admin, { events, partitions: options.partitions, manifestDir: join(benchDir, 'topics'), timeoutMs: 20 * 60_000 }, log);
}

function describeRun(label: string, run: Measurement): string {
  const cpu = run.cpuSeconds === undefined ? '' : `, CPU ${run.cpuSeconds.toFixed(1)} s`;
  const rss = run.peakRssMiB === undefined ? '' : `, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`;
  const posts = run.posts === undefined ? '' : `, ${run.posts} POSTs`;
  return `${label}: ${Math.round(run.eventsPerSecond)} events/s over ${run.seconds.toFixed(1)} s${cpu}${rss}${posts}`;
}

/**
 * Checks what the API received against what the topic contains and returns
 * the problems found. With `exact` off (several processes in one group),
 * records read again after a rebalance may add lines and dead letters. Those
 * surpluses go to the run's notes instead.
 */
function checkDelivery(run: Measurement, manifest: TopicManifest, exact: boolean): string[] {
  const problems: string[] = [];
  const lines = run.lines ?? 0;
  const deadLettered = run.deadLettered ?? 0;
  const { lines: expectedLines, malformedEvents } = manifest.summary;
  if (lines < expectedLines || (exact && lines !== expectedLines)) problems.push(`${lines} lines received, ${expectedLines} expected`);
  if (deadLettered < malformedEvents || (exact && deadLettered !== malformedEvents)) problems.push(`${deadLettered} records dead-lettered, ${malformedEvents} malformed produced`);
  if (run.exits.some((exit) => exit !== 0)) problems.push(`exit codes ${run.exits.join(', ')}`);
  if (!exact && (lines > expectedLines || deadLettered > malformedEvents)) {
    run.notes.push(`read again after rebalancing: ${lines - expectedLines} lines sent twice, ${deadLettered - malformedEvents} records dead-lettered twice`);
  }
  return problems;
}

async function backlogMode(): Promise<string> {
  const { phases } = options;
  const manifest = await ensureTopic(options.events);
  const topic = manifest.topic;
  const records = options.events;
  const runs: Record<'java' | 'bare' | 'bareJson' | 'platformatic' | 'platformaticJson' | 'connector' | 'naive' | 'pair', Measurement[]> = {
    java: [],
    bare: [],
    bareJson: [],
    platformatic: [],
    platformaticJson: [],
    connector: [],
    naive: [],
    pair: [],
  };
  const problems: string[] = [];

  for (let run = 1; run <= options.runs; run += 1) {
    if (phases.has('java')) {
      const result = await runJavaConsumer(context, topic, records, runTimeoutMs(records));
      runs.java.push(result);
      log(describeRun(`run ${run} Java consumer`, result));
    }
    if (phases.has('bare')) {
      const result = await runBareConsumer(context, 'kafkajs', topic, records, runTimeoutMs(records), false);
      runs.bare.push(result);
      log(describeRun(`run ${run} bare kafkajs`, result));
    }
    if (phases.has('bare-json')) {
      const result = await runBareConsumer(context, 'kafkajs', topic, records, runTimeoutMs(records), true);
      runs.bareJson.push(result);
      log(describeRun(`run ${run} kafkajs with JSON.parse`, result));
    }
    if (phases.has('platformatic')) {
      const result = await runBareConsumer(context, 'platformatic', topic, records, runTimeoutMs(records), false);
      runs.platformatic.push(result);
      log(describeRun(`run ${run} bare @platformatic/kafka`, result));
    }
    if (phases.has('platformatic-json')) {
      const result = await runBareConsumer(context, 'platformatic', topic, records, runTimeoutMs(records), true);
      runs.platformaticJson.push(result);
      log(describeRun(`run ${run} @platformatic/kafka with JSON.parse`, result));
    }
    if (phases.has('connector')) {
      const result = await runConnector(context, { topic, records, processes: 1, env: connectorEnv(), nodeOptions: options.nodeOptions, timeoutMs: runTimeoutMs(records) });
      runs.connector.push(result);
      problems.push(...checkDelivery(result, manifest, true).map((problem) => `connector run ${run}: ${problem}`));
      log(describeRun(`run ${run} connector`, result));
    }
    if (phases.has('naive')) {
      const result = await runNaiveConnector(context, { topic, maxRecords: Math.min(options.naiveMaxEvents, records), maxSeconds: options.naiveMaxSeconds });
      runs.naive.push(result);
      log(describeRun(`run ${run} naive connector`, result));
    }
    if (phases.has('pair')) {
      const result = await runConnector(context, { topic, records, processes: 2, env: connectorEnv(), nodeOptions: options.nodeOptions, timeoutMs: runTimeoutMs(records) });
      runs.pair.push(result);
      problems.push(...checkDelivery(result, manifest, false).map((problem) => `two-process run ${run}: ${problem}`));
      log(describeRun(`run ${run} two connector processes`, result));
    }
  }

  const summaries: Summary[] = [];
  const add = (label: string, measured: Measurement[]): Summary | undefined => {
    const summary = summarise(label, measured);
    if (summary) summaries.push(summary);
    return summary;
  };
  const java = add('Kafka Java consumer (ConsumerPerformance)', runs.java);
  const bare = add('bare kafkajs consumer (eachBatch, count only)', runs.bare);
  const bareJson = add('kafkajs consumer with JSON.parse of every value', runs.bareJson);
  const platformatic = add('bare @platformatic/kafka consumer (stream, count only)', runs.platformatic);
  const platformaticJson = add('@platformatic/kafka consumer with JSON.parse of every value', runs.platformaticJson);
  const connector = add('connector, 1 process', runs.connector);
  const pair = add('connector, 2 processes in one group', runs.pair);
  const naive = add('naive connector (eachMessage, POST and commit per event)', runs.naive);

  const memory = phases.has('memory') ? await memoryCheck(connector) : undefined;
  const profile = phases.has('profile') ? await profileRun(topic, records) : undefined;

  const out: string[] = [];
  out.push(`# Benchmark run ${runTag}`, '');
  out.push(environmentLines().join('\n'), '');
  out.push(
    `Topic \`${topic}\`: ${records.toLocaleString('en-US')} events on ${options.partitions} partitions, ${(manifest.summary.valueBytes / 2 ** 20).toFixed(0)} MiB of values; ` +
      `${manifest.summary.deletingEvents} deleting (${manifest.summary.lines} lines), ${manifest.summary.rawEmailEvents} with a raw email, ` +
      `${manifest.summary.skippedEvents} non-deleting, ${manifest.summary.malformedEvents} malformed.` +
      (manifest.produceSeconds > 0 ? ` Loaded in ${manifest.produceSeconds.toFixed(1)} s.` : ' Reused from an earlier run.'),
    '',
  );
  out.push(
    `API latency ${options.latencyMs} ms per reply; proxy in ${options.proxyMode} mode; ${connectorSettings()}; ${options.runs} run(s) of each.`,
    '',
  );
  out.push(formatTable(summaries), '');
  for (const summary of summaries) if (summary.notes.length > 0) out.push(`- ${summary.label}: ${summary.notes.slice(0, 3).join('; ')}`);
  out.push('');

  const diagnosed = [...runs.connector.map((run) => ['1 process', run] as const), ...runs.pair.map((run) => ['2 processes', run] as const)];
  if (diagnosed.length > 0) {
    out.push('## Connector runs in detail', '');
    out.push('| run | events/s | seconds | pauses | seconds in delivery gaps > 1 s | upload ms per POST, median / p90 | highest VmRSS per quarter of the run, MiB | windows cut by |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const [label, run] of diagnosed) {
      const triggers = Object.entries(run.windowTriggers ?? {}).map(([trigger, count]) => `${trigger} ${count}`).join(', ');
      out.push(
        `| ${label} | ${Math.round(run.eventsPerSecond)} | ${run.seconds.toFixed(1)} | ${run.pauses ?? '–'} | ${run.deliveryGapSeconds?.toFixed(1) ?? '–'} | ${uploadFigures(run.uploadMsPerPost ?? [])} | ${(run.rssByQuarter ?? []).map((value) => value.toFixed(0)).join(' / ')} | ${triggers} |`,
      );
    }
    out.push('');
  }

  out.push('## Ratios', '');
  const ratio = (a: Summary | undefined, b: Summary | undefined, pick: (summary: Summary) => number | undefined = (summary) => summary.eventsPerSecond): number | undefined => {
    const top = a && pick(a);
    const bottom = b && pick(b);
    return top === undefined || bottom === undefined ? undefined : top / bottom;
  };
  const ratioLine = (label: string, value: number | undefined): string => `- ${label}: ${value === undefined ? 'not measured' : value.toFixed(2)}`;
  out.push(ratioLine('connector / bare kafkajs', ratio(connector, bare)));
  out.push(ratioLine('connector / bare kafkajs, connector rate to 95 % committed', ratio(connector, bare, (summary) => summary.eventsPerSecondTo95 ?? summary.eventsPerSecond)));
  out.push(ratioLine('connector / Java consumer', ratio(connector, java)));
  out.push(ratioLine('bare kafkajs / Java consumer', ratio(bare, java)));
  out.push(ratioLine('connector / kafkajs with JSON.parse', ratio(connector, bareJson, (summary) => summary.eventsPerSecondTo95 ?? summary.eventsPerSecond)));
  out.push(ratioLine('two connector processes / one', ratio(pair, connector)));
  out.push(ratioLine('connector / naive connector', ratio(connector, naive)));
  // These rows compare two clients, so they appear only when both ran.
  if (platformatic && bare) out.push(ratioLine('platformatic / bare kafkajs', ratio(platformatic, bare)));
  if (platformaticJson && bareJson) out.push(ratioLine('platformatic with JSON.parse / kafkajs with JSON.parse', ratio(platformaticJson, bareJson)));
  out.push('');

  out.push('## Targets', '');
  const verdict = (met: boolean | undefined): string => {
    if (met === undefined) return 'not measured';
    return met ? 'met' : 'NOT met';
  };
  const throughputRatio = ratio(connector, bare, (summary) => summary.eventsPerSecondTo95 ?? summary.eventsPerSecond);
  out.push(
    `- connector ≥ 0.8 × bare kafkajs throughput: ${verdict(throughputRatio === undefined ? undefined : throughputRatio >= 0.8)} ` +
      `(${throughputRatio?.toFixed(2) ?? '–'} to 95 % committed; ${ratio(connector, bare)?.toFixed(2) ?? '–'} including the last window's age wait)`,
  );
  if (memory) {
    const growth = memory.largeRssMiB / memory.baseRssMiB - 1;
    const met = memory.baseRssMiB < RSS_LIMIT_MIB && memory.largeRssMiB < RSS_LIMIT_MIB && growth <= RSS_GROWTH_ALLOWED;
    out.push(
      `- peak RSS < ${RSS_LIMIT_MIB} MiB independent of N: ${verdict(met)} (${memory.baseRssMiB.toFixed(0)} MiB on ${memory.baseEvents.toLocaleString('en-US')} events, ` +
        `${memory.largeRssMiB.toFixed(0)} MiB on ${memory.largeEvents.toLocaleString('en-US')}; growth ${(growth * 100).toFixed(0)} %, at most ${RSS_GROWTH_ALLOWED * 100} % allowed)`,
    );
  } else {
    out.push('- peak RSS < 256 MiB independent of N: not measured');
  }
  if (runs.connector.length > 0) {
    const fill = windowFill(runs.connector, WINDOW_MAX_LINES);
    out.push(
      `- windows ≥ 95 % full under backlog: ${verdict(fill.meanFill >= 0.95)} (mean fill ${(fill.meanFill * 100).toFixed(1)} % of ${WINDOW_MAX_LINES} lines over ${fill.posts} POSTs; ` +
        `${(fill.fullShare * 100).toFixed(1)} % of POSTs at least 95 % full; windows cut by ${Object.entries(fill.triggers).map(([trigger, count]) => `${trigger} ${count}`).join(', ')})`,
    );
  } else {
    out.push('- windows ≥ 95 % full under backlog: not measured');
  }
  out.push('- steady p99 produce-to-POST ≤ WINDOW_MAX_AGE_MS + 500 ms: measured by `--steady`');
  const pairRatio = ratio(pair, connector);
  out.push(`- two processes faster than one: ${verdict(pairRatio === undefined ? undefined : pairRatio > 1)} (ratio ${pairRatio?.toFixed(2) ?? '–'})`);
  out.push('');

  if (problems.length > 0) out.push('## Delivery problems', '', ...problems.map((problem) => `- ${problem}`), '');
  if (profile) out.push('## CPU profile of one connector run', '', profile, '');

  writeFileSync(join(runDir, 'results.json'), `${JSON.stringify({ environment, options: { ...options, phases: [...options.phases] }, manifest, runs, memory }, null, 2)}\n`);
  return `${out.join('\n')}\n`;
}

function uploadFigures(values: number[]): string {
  if (values.length === 0) return '–';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  return `${at(0.5).toFixed(0)} / ${at(0.9).toFixed(0)}`;
}

interface MemoryCheck {
  baseEvents: number;
  baseRssMiB: number;
  largeEvents: number;
  largeRssMiB: number;
}

/** Peak RSS of the connector on the smaller topic and on one 5 times as large (the main topic when it is that size). */
async function memoryCheck(connector: Summary | undefined): Promise<MemoryCheck> {
  const baseEvents = options.memoryBaseEvents;
  const largeEvents = baseEvents * 5;
  const measure = async (events: number): Promise<number> => {
    const manifest = await ensureTopic(events);
    const result = await runConnector(context, { topic: manifest.topic, records: events, processes: 1, env: connectorEnv(), nodeOptions: options.nodeOptions, timeoutMs: runTimeoutMs(events) });
    log(describeRun(`memory check on ${events} events`, result));
    return result.peakRssMiB ?? Number.NaN;
  };
  const baseRssMiB = await measure(baseEvents);
  const largeRssMiB = largeEvents === options.events && connector ? connector.peakRssMiB : await measure(largeEvents);
  return { baseEvents, baseRssMiB, largeEvents, largeRssMiB };
}

/** Runs the connector once with --cpu-prof and returns the summary as markdown. */
async function profileRun(topic: string, records: number): Promise<string> {
  const profileDir = join(runDir, 'profile');
  mkdirSync(profileDir, { recursive: true });
  const result = await runConnector(context, {
    topic,
    records,
    processes: 1,
    env: connectorEnv(),
    nodeOptions: [options.nodeOptions, `--cpu-prof --cpu-prof-dir=${profileDir}`].filter(Boolean).join(' '),
    timeoutMs: runTimeoutMs(records) * 2,
  });
  log(describeRun('profiled connector run', result));
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the profiled connector wrote no .cpuprofile into ${profileDir}`);
  const summary = summariseProfile(readProfile(join(profileDir, file)));
  return [
    `Profile \`${join(profileDir, file)}\`: ${Math.round(result.eventsPerSecond)} events/s while profiled, CPU ${result.cpuSeconds?.toFixed(1) ?? '–'} s.`,
    '',
    formatProfileSummary(summary, records),
  ].join('\n');
}

async function steadyMode(): Promise<string> {
  const result: SteadyResult = await runSteady(context, kafka, {
    rate: options.rate,
    durationSeconds: options.durationSeconds,
    partitions: options.partitions,
    windowMaxAgeMs: options.windowMaxAgeMs,
    env: options.connectorEnv,
    nodeOptions: options.nodeOptions,
  });
  const limit = result.windowMaxAgeMs + 500;
  const out = [
    `# Steady-load run ${runTag}`,
    '',
    environmentLines().join('\n'),
    '',
    `${options.rate} events/s requested for ${options.durationSeconds} s (${Math.round(result.achievedRate)} events/s produced, ${result.produced} events, ${result.deleting} deleting); ` +
      `API latency ${options.latencyMs} ms per reply; ${connectorSettings()}${options.windowMaxAgeMs === undefined ? ` (WINDOW_MAX_AGE_MS=${result.windowMaxAgeMs} by default)` : ''}.`,
    '',
    '| produce-to-POST latency, ms | events | p50 | p90 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| every deleting event | ${result.latencyMs.count} | ${result.latencyMs.p50} | ${result.latencyMs.p90} | ${result.latencyMs.p99} | ${result.latencyMs.max} |`,
    `| delivered while production ran | ${result.latencyWhileProducingMs.count} | ${result.latencyWhileProducingMs.p50} | ${result.latencyWhileProducingMs.p90} | ${result.latencyWhileProducingMs.p99} | ${result.latencyWhileProducingMs.max} |`,
    '',
    'The first row includes the last window, which waits for WINDOW_MAX_AGE_MS after production stops; the second is the steady state.',
    '',
    `- deleting events seen by the API: ${result.observed} of ${result.deleting}; lines received more than once: ${result.repeated}`,
    `- POSTs: ${result.posts}, mean ${result.meanLinesPerPost.toFixed(0)} lines per POST; windows cut by ${Object.entries(result.windowTriggers).map(([trigger, count]) => `${trigger} ${count}`).join(', ')}`,
    `- connector CPU ${result.cpuSeconds?.toFixed(1) ?? '–'} s, peak RSS ${result.peakRssMiB?.toFixed(0) ?? '–'} MiB, exit code ${result.exit}`,
    `- target p99 ≤ WINDOW_MAX_AGE_MS + 500 ms = ${limit} ms, over every deleting event: ${result.latencyMs.p99 <= limit ? 'met' : 'NOT met'}`,
    '',
  ];
  writeFileSync(join(runDir, 'results.json'), `${JSON.stringify({ environment, options: { ...options, phases: [...options.phases] }, steady: result }, null, 2)}\n`);
  return `${out.join('\n')}\n`;
}

function environmentLines(): string[] {
  // Each connector process reads src/ when it starts, so a change in the middle
  // of an invocation means its runs measured different code.
  const changed = sourceFingerprint(repoRoot) !== fingerprintAtStart;
  return [
    `- machine: ${environment.cpus} CPUs (${environment.cpuModel}), ${environment.memoryGiB} GiB memory`,
    `- Node.js ${environment.node}, kafkajs ${environment.kafkajs}, @platformatic/kafka ${environment.platformaticKafka}, Apache Kafka ${environment.kafka} (${environment.java})`,
    `- connector source: ${environment.commit}` +
      (changed ? `; WARNING: src/ changed during the run (now ${sourceCommit(repoRoot)}); the child logs show which runs started after the change` : ''),
  ];
}
