// Medians, the side-by-side table and the target checks of a benchmark run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../scripts/kafka/broker.ts';
import type { Measurement } from './runners.ts';

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOf(runs: Measurement[], pick: (run: Measurement) => number | undefined): number {
  return median(runs.map(pick).filter((value): value is number => value !== undefined && Number.isFinite(value)));
}

export interface Environment {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kafkajs: string;
  /** Version of the @platformatic/kafka devDependency, or 'not installed'. */
  platformaticKafka: string;
  kafka: string;
  java: string;
  /** Commit of the measured source, with "+uncommitted changes" when src/ differs from it. */
  commit: string;
}

/** Describes the commit that src/ is at, and whether src/ has uncommitted changes. */
export function sourceCommit(repoRoot: string): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const changes = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repoRoot, encoding: 'utf8' });
  return `${head.stdout.trim()}${changes.stdout.trim() === '' ? '' : ' + uncommitted changes in src/'}`;
}

/** Computes a digest of the connector's source on disk: the src/ tree of HEAD plus any uncommitted change to it. */
export function sourceFingerprint(repoRoot: string): string {
  const tree = spawnSync('git', ['rev-parse', 'HEAD:src'], { cwd: repoRoot, encoding: 'utf8' });
  const diff = spawnSync('git', ['diff', 'HEAD', '--', 'src'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const untracked = spawnSync('git', ['ls-files', '--others', '--exclude-standard', '--', 'src'], { cwd: repoRoot, encoding: 'utf8' });
  return createHash('sha256').update(tree.stdout).update(diff.stdout).update(untracked.stdout).digest('hex').slice(0, 16);
}

export function describeEnvironment(repoRoot: string): Environment {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const kafkajs = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as { version: string };
  const platformaticPackage = join(repoRoot, 'node_modules', '@platformatic', 'kafka', 'package.json');
  // It is a devDependency, which an install with --omit=dev leaves out, and only its phases need it.
  const platformaticKafka = existsSync(platformaticPackage) ? (JSON.parse(readFileSync(platformaticPackage, 'utf8')) as { version: string }).version : 'not installed';
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return {
    cpus: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kafkajs: kafkajs.version,
    platformaticKafka,
    kafka: KAFKA_VERSION,
    java: (java.stderr || java.stdout).split('\n')[0]?.trim() ?? 'unknown',
    commit: sourceCommit(repoRoot),
  };
}

export interface Summary {
  label: string;
  runs: number;
  eventsPerSecond: number;
  eventsPerSecondTo95: number | undefined;
  allRuns: number[];
  records: number;
  cpuSeconds: number;
  cpuMicrosPerEvent: number;
  peakRssMiB: number;
  posts: number | undefined;
  linesPerPost: number | undefined;
  notes: string[];
}

export function summarise(label: string, runs: Measurement[]): Summary | undefined {
  if (runs.length === 0) return undefined;
  const withPosts = runs.filter((run) => run.posts !== undefined && run.posts > 0);
  return {
    label,
    runs: runs.length,
    eventsPerSecond: medianOf(runs, (run) => run.eventsPerSecond),
    eventsPerSecondTo95: runs.some((run) => run.eventsPerSecondTo95 !== undefined) ? medianOf(runs, (run) => run.eventsPerSecondTo95) : undefined,
    allRuns: runs.map((run) => run.eventsPerSecond),
    records: medianOf(runs, (run) => run.records),
    cpuSeconds: medianOf(runs, (run) => run.cpuSeconds),
    cpuMicrosPerEvent: medianOf(runs, (run) => (run.cpuSeconds === undefined ? undefined : (run.cpuSeconds * 1e6) / run.records)),
    peakRssMiB: medianOf(runs, (run) => run.peakRssMiB),
    posts: withPosts.length === 0 ? undefined : medianOf(withPosts, (run) => run.posts),
    linesPerPost: withPosts.length === 0 ? undefined : medianOf(withPosts, (run) => run.lines! / run.posts!),
    notes: [...new Set(runs.flatMap((run) => run.notes))],
  };
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function thousands(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
}

export function formatTable(summaries: Summary[]): string {
  const rows = summaries.map(
    (entry) =>
      `| ${entry.label} | ${thousands(entry.records)} | ${thousands(entry.eventsPerSecond)} | ${entry.eventsPerSecondTo95 === undefined ? '–' : thousands(entry.eventsPerSecondTo95)} | ${entry.allRuns.map(thousands).join(', ')} | ${fixed(entry.cpuSeconds, 1)} | ${fixed(entry.cpuMicrosPerEvent, 1)} | ${fixed(entry.peakRssMiB, 0)} | ${thousands(entry.posts)} | ${fixed(entry.linesPerPost, 1)} |`,
  );
  return [
    '| consumer | records | events/s (median) | events/s to 95 % committed | each run | CPU s | CPU µs/event | peak RSS MiB | POSTs | lines/POST |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

export interface WindowFill {
  posts: number;
  meanFill: number;
  /** Share of POSTs with at least 95 % of WINDOW_MAX_LINES. */
  fullShare: number;
  triggers: Record<string, number>;
}

/** Window fill over every connector run: lines per POST against WINDOW_MAX_LINES. */
export function windowFill(runs: Measurement[], maxLines: number): WindowFill {
  const perPost = runs.flatMap((run) => run.linesPerPost ?? []);
  const triggers: Record<string, number> = {};
  for (const run of runs) for (const [trigger, count] of Object.entries(run.windowTriggers ?? {})) triggers[trigger] = (triggers[trigger] ?? 0) + count;
  return {
    posts: perPost.length,
    meanFill: perPost.reduce((sum, lines) => sum + lines, 0) / perPost.length / maxLines,
    fullShare: perPost.filter((lines) => lines >= 0.95 * maxLines).length / perPost.length,
    triggers,
  };
}
