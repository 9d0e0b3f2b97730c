import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import type { Config } from '../config/load.ts';
import { partitionKey, startConnector } from '../connector.ts';
import { createKafkaClient } from '../source/kafka-client.ts';
import { Metrics } from '../telemetry/metrics.ts';
import type { Logger } from '../telemetry/logger.ts';
import { ProgressReporter } from './progress.ts';

/** Start of a bounded run: a time in epoch ms, the earliest offsets, or the live group's positions. */
export type RangeStart = { kind: 'earliest' } | { kind: 'time'; ms: number } | { kind: 'committed' };
export type RangeEnd = { kind: 'now' } | { kind: 'time'; ms: number };

export interface BoundedRunOptions {
  mode: 'replay' | 'dry-run';
  from: RangeStart;
  to: RangeEnd;
  topics: string[];
  groupId: string;
  /** Set for dry runs: windows are written here instead of being sent. */
  dryRunDir: string | undefined;
  progressIntervalMs: number;
}

export class ArgumentError extends Error {
  readonly code = 'ERR_INVALID_ARGUMENT';
}

interface PartitionRange {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
}

/**
 * Runs the pipeline over a fixed range of offsets with its own consumer group,
 * then drains, commits (unless dry run) and prints a summary. Returns the exit
 * code.
 */
export async function runBoundedRange(config: Config, logger: Logger, options: BoundedRunOptions): Promise<number> {
  const kafka = createKafkaClient(config.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();

  let ranges: PartitionRange[];
  try {
    await checkTopicsExist(admin, options.topics);
    await checkGroupIsIdle(admin, options.groupId);
    ranges = await resolveRanges(admin, options, config.kafka.groupId);
  } catch (error) {
    await admin.disconnect();
    throw error;
  }

  const total = ranges.reduce((sum, range) => sum + (range.end > range.start ? range.end - range.start : 0n), 0n);
  logger.info(
    { mode: options.mode, groupId: options.groupId, topics: options.topics, records: total.toString(), ranges: ranges.map((range) => ({ ...range, start: range.start.toString(), end: range.end.toString() })) },
    'bounded run starting',
  );

  // A partition with nothing to read gets end 0, which counts as finished at once.
  const endOffsets = new Map(ranges.map((range) => [partitionKey(range.topic, range.partition), range.end > range.start ? range.end : 0n]));
  const runConfig: Config = { ...config, kafka: { ...config.kafka, groupId: options.groupId, topics: options.topics } };
  const metrics = new Metrics({ logger: logger.child({ component: 'metrics' }) });
  const started = Date.now();
  const startOffsets = new Map(ranges.map((range) => [partitionKey(range.topic, range.partition), range.start]));
  const connector = await startConnector(runConfig, logger, metrics, { endOffsets, startOffsets, ...(options.dryRunDir ? { dryRunDir: options.dryRunDir } : {}) });

  const progress = new ProgressReporter(total, options.progressIntervalMs, logger, () => {
    const positions = connector.positions();
    let done = 0n;
    for (const range of ranges) {
      const position = positions.get(partitionKey(range.topic, range.partition));
      if (position === undefined || position < range.start) continue;
      const read = (position < range.end ? position + 1n : range.end) - range.start;
      if (read > 0n) done += read;
    }
    return done;
  });
  progress.start();

  const outcome = await Promise.race([connector.reachedEnd.then(() => 'end' as const), connector.fatal.then(() => 'fatal' as const)]);
  progress.stop();

  // A guard against ending early: every partition with work must have been read up to its end.
  const positions = connector.positions();
  const short = ranges.filter((range) => range.end > range.start && (positions.get(partitionKey(range.topic, range.partition)) ?? -1n) < range.end - 1n);
  if (short.length > 0) {
    logger.error(
      { partitions: short.map((range) => ({ topic: range.topic, partition: range.partition, end: range.end.toString(), read: positions.get(partitionKey(range.topic, range.partition))?.toString() ?? null })) },
      'bounded run stopped before the end offsets of some partitions',
    );
  }
  const result = await connector.stop(config.shutdownTimeoutMs);

  if (options.mode === 'dry-run') {
    await admin.deleteGroups([options.groupId]).catch((error: unknown) => logger.warn({ err: error, groupId: options.groupId }, 'deleting the dry-run consumer group failed'));
  }
  await admin.disconnect();

  const summary = {
    mode: options.mode,
    groupId: options.groupId,
    topics: options.topics,
    records: Number(total),
    events: metrics.total('events_consumed_total'),
    deletingEvents: metrics.total('events_deleting_total'),
    skippedEvents: metrics.total('events_skipped_total'),
    deadLetters: metrics.total('events_dead_lettered_total'),
    lines: metrics.total('lines_delivered_total'),
    executions: metrics.total('executions_created_total'),
    durationMs: Date.now() - started,
    clean: result.clean && outcome === 'end' && short.length === 0,
    ...(options.dryRunDir ? { outputDir: resolve(options.dryRunDir), windows: connector.dryRunFiles } : {}),
  };
  if (options.dryRunDir) writeFileSync(join(options.dryRunDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const verb = options.mode === 'dry-run' ? 'written' : 'sent';
  process.stdout.write(
    [
      `${options.mode === 'dry-run' ? 'Dry run' : 'Replay'} ${summary.clean ? 'finished' : 'stopped before the end'} in ${(summary.durationMs / 1000).toFixed(1)} s (group ${options.groupId}).`,
      `Events: ${summary.events} read, ${summary.deletingEvents} deleting, ${summary.skippedEvents} skipped, ${summary.deadLetters} dead letters.`,
      `Lines ${verb}: ${summary.lines} in ${summary.executions} ${options.mode === 'dry-run' ? 'window files' : 'executions'}.`,
      ...(options.dryRunDir ? [`Files: ${resolve(options.dryRunDir)} (summary.json lists every window).`] : []),
      `Summary: ${JSON.stringify({ ...summary, windows: undefined })}`,
      '',
    ].join('\n'),
  );
  return summary.clean ? 0 : 1;
}

async function checkTopicsExist(admin: Admin, topics: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const unknown = topics.filter((topic) => !existing.has(topic));
  if (unknown.length > 0) {
    throw new ArgumentError(`Unknown topic${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Existing topics can be listed with kafka-topics.sh --list.`);
  }
}

async function checkGroupIsIdle(admin: Admin, groupId: string): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const state = groups[0]?.state;
  if (state && state !== 'Empty' && state !== 'Dead' && (groups[0]?.members.length ?? 0) > 0) {
    throw new ArgumentError(`Consumer group ${groupId} has active members (state ${state}); stop them or pick another --group.`);
  }
}

async function resolveRanges(admin: Admin, options: BoundedRunOptions, liveGroupId: string): Promise<PartitionRange[]> {
  const ranges: PartitionRange[] = [];
  const committed =
    options.from.kind === 'committed'
      ? new Map(
          (await admin.fetchOffsets({ groupId: liveGroupId, topics: options.topics })).flatMap(({ topic, partitions }) =>
            partitions.map((entry) => [partitionKey(topic, entry.partition), BigInt(entry.offset)] as const),
          ),
        )
      : new Map<string, bigint>();

  for (const topic of options.topics) {
    const watermarks = await admin.fetchTopicOffsets(topic);
    const startsByTime = options.from.kind === 'time' ? await offsetsAt(admin, topic, options.from.ms) : undefined;
    const endsByTime = options.to.kind === 'time' ? await offsetsAt(admin, topic, options.to.ms) : undefined;

    for (const { partition, low, high } of watermarks) {
      const lowOffset = BigInt(low);
      const highOffset = BigInt(high);
      let start: bigint;
      if (options.from.kind === 'earliest') start = lowOffset;
      else if (options.from.kind === 'time') start = startsByTime!.get(partition) ?? highOffset;
      else {
        const position = committed.get(partitionKey(topic, partition)) ?? -1n;
        start = position >= 0n ? position : lowOffset;
      }
      const end = options.to.kind === 'now' ? highOffset : (endsByTime!.get(partition) ?? highOffset);
      ranges.push({ topic, partition, start: start < lowOffset ? lowOffset : start, end: end < start ? start : end });
    }
  }
  return ranges;
}

/** First offset per partition whose timestamp is at or after `ms`; the end offset when none is. */
async function offsetsAt(admin: Admin, topic: string, ms: number): Promise<Map<number, bigint>> {
  const [byTime, watermarks] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, ms), admin.fetchTopicOffsets(topic)]);
  const high = new Map(watermarks.map((entry) => [entry.partition, BigInt(entry.high)]));
  return new Map(byTime.map((entry) => [entry.partition, BigInt(entry.offset) >= 0n ? BigInt(entry.offset) : (high.get(entry.partition) ?? 0n)]));
}
