import { getHeapStatistics } from 'node:v8';
import type { Config } from './config/load.ts';
import { heapShortfall, heapShortfallAdvice, mebibytes } from './config/heap-room.ts';
import { mappingPolicyFrom } from './config/mapping-policy.ts';
import { OffsetTracker } from './offsets/tracker.ts';
import { Committer } from './offsets/committer.ts';
import { KafkaSource } from './source/consumer.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { MediarithmicsClient } from './sink/client.ts';
import { DocumentImportResolver } from './sink/document-imports.ts';
import { WindowSender } from './sink/send-window.ts';
import { AuthGate } from './sink/auth-gate.ts';
import { RateLimiter } from './sink/rate-limiter.ts';
import { DryRunSender } from './sink/dry-run-sender.ts';
import { RecordInterpreter } from './pipeline/interpreter.ts';
import { RegistryRetry } from './pipeline/registry-retry.ts';
import { registerLagCollector, registerPipelineCollectors } from './telemetry/collectors.ts';
import { RegistryDecoder } from './decode/registry/registry-decoder.ts';
import type { TopicPartition } from './offsets/tracker.ts';
import { healthState, type HealthState } from './telemetry/http-server.ts';
import { windowDropReasons } from './telemetry/catalog.ts';
import { ExecutionFollower } from './sink/execution-follower.ts';
import { ReceiptWriter } from './receipts/receipts.ts';
import { LoggingDeadLetterSink, type DeadLetterSink } from './dlq/dead-letters.ts';
import { KafkaDeadLetterSink } from './dlq/kafka-dead-letters.ts';
import { createKafkaClient } from './source/kafka-client.ts';
import { Metrics } from './telemetry/metrics.ts';
import type { Logger } from './telemetry/logger.ts';

export interface StopResult {
  /** True when every record read was settled and committed before the deadline. */
  clean: boolean;
  uncommitted: { topic: string; partition: number; unsettledRecords: number; oldestUnsettledOffset: string | undefined }[];
}

export interface ConnectorOptions {
  /**
   * Bounded run (replay, dry run): the exclusive end offset of each partition,
   * keyed by `partitionKey(topic, partition)`. Records at or past it are not
   * read, and `reachedEnd` resolves once every partition got there.
   */
  endOffsets?: Map<string, bigint>;
  /** Bounded run: where each partition starts, keyed like endOffsets. */
  startOffsets?: Map<string, bigint>;
  /** Dry run: windows are written as ndjson files here; nothing is POSTed, committed or written to Kafka. */
  dryRunDir?: string;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export interface RunningConnector {
  /** Resolves when a bounded run has read every partition to its end offset. */
  reachedEnd: Promise<void>;
  /** Highest offset read so far per partition, for progress reports. */
  positions(): Map<string, bigint>;
  /** The files a dry run wrote. */
  dryRunFiles: DryRunSender['files'];
  counters: Metrics;
  /** Resolves when the process must exit with an error (kafkajs gave up). */
  fatal: Promise<Error>;
  /** Stops fetching, flushes, commits and leaves the group within the deadline. */
  stop(deadlineMs: number): Promise<StopResult>;
  /** Readiness: joined the group, the API accepts the token, not draining. */
  health(): HealthState;
}

/** Wires the pipeline stages together and starts consuming. */
export async function startConnector(config: Config, logger: Logger, metrics: Metrics = new Metrics({ logger }), options: ConnectorOptions = {}): Promise<RunningConnector> {
  const counters = metrics;
  warnOnHeapShortfall(config, logger);
  const dryRun = options.dryRunDir !== undefined ? new DryRunSender(options.dryRunDir) : undefined;
  const tracker = new OffsetTracker();

  const kafka = createKafkaClient(config.kafka, logger);
  const source = new KafkaSource(
    kafka,
    {
      groupId: config.kafka.groupId,
      topics: config.kafka.topics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      fetchMaxBytes: config.kafka.fetchMaxBytes,
      fetchMaxBytesPerPartition: config.kafka.fetchMaxBytesPerPartition,
      ...(options.startOffsets ? { startOffsets: options.startOffsets } : {}),
    },
    logger.child({ component: 'source' }),
  );
  // A dry run tracks settlement as usual but never commits.
  const commit = dryRun ? async () => undefined : (offsets: Parameters<KafkaSource['commit']>[0]) => source.commit(offsets);
  const committer = new Committer(tracker, commit, { minIntervalMs: config.commitIntervalMs }, logger.child({ component: 'committer' }), counters);

  const sinkLogger = logger.child({ component: 'sink' });
  const client = new MediarithmicsClient({
    url: config.api.url,
    token: config.api.token,
    requestTimeoutMs: config.api.requestTimeoutMs,
    connections: config.api.maxConcurrentExecutions,
  });
  const imports = new DocumentImportResolver(client, {
    defaultDatamartId: config.api.datamartId,
    configuredImportId: config.api.documentImportId,
    defaultDocumentType: config.mapping.documentType,
    name: config.api.documentImportName,
  });
  const auth = new AuthGate(sinkLogger, counters);
  const limiter = new RateLimiter(config.api.maxRequestsPerSecond);
  const sender = new WindowSender(
    client,
    imports,
    auth,
    limiter,
    {
      backoff: { baseDelayMs: config.retry.baseDelayMs, maxDelayMs: config.retry.maxDelayMs, maxRetryAfterMs: config.retry.retryAfterMaxMs },
      authRetryDelayMs: config.retry.authDelayMs,
    },
    sinkLogger,
    counters,
  );

  const deadLetterLogger = logger.child({ component: 'dead-letters' });
  const deadLetters: DeadLetterSink = config.kafka.dlqTopic && !dryRun
    ? new KafkaDeadLetterSink(kafka, config.kafka.dlqTopic, { baseDelayMs: config.retry.baseDelayMs, maxDelayMs: config.retry.maxDelayMs }, deadLetterLogger, counters)
    : new LoggingDeadLetterSink(deadLetterLogger, counters);

  const outputBackoff = { baseDelayMs: config.retry.baseDelayMs, maxDelayMs: config.retry.maxDelayMs };
  const receipts = config.kafka.receiptsTopic && !dryRun
    ? new ReceiptWriter(kafka, config.kafka.receiptsTopic, outputBackoff, logger.child({ component: 'receipts' }), counters)
    : undefined;
  const follower =
    config.api.followUpIntervalMs > 0 && !dryRun
      ? new ExecutionFollower(
          client,
          limiter,
          { intervalMs: config.api.followUpIntervalMs, timeoutMs: config.api.followUpTimeoutMs },
          logger.child({ component: 'follow-up' }),
          counters,
          async (end) => {
            await receipts?.executionEnded(end);
          },
        )
      : undefined;

  const pipeline = new Pipeline(
    {
      window: config.window,
      buffer: config.buffer,
      maxConcurrentExecutions: config.api.maxConcurrentExecutions,
    },
    {
      tracker,
      committer,
      sender: dryRun ?? sender,
      deadLetters,
      receipts,
      follower,
      logger: logger.child({ component: 'pipeline' }),
      counters,
    },
  );

  const interpreter = new RecordInterpreter({
    policy: mappingPolicyFrom(config),
    maxRecordBytes: config.maxRecordBytes,
    mapping: config.sourceMapping,
    registry:
      config.schemaRegistry === undefined
        ? undefined
        : new RegistryDecoder({
            url: config.schemaRegistry.url,
            ...(config.schemaRegistry.username !== undefined && config.schemaRegistry.password !== undefined
              ? { auth: { username: config.schemaRegistry.username, password: config.schemaRegistry.password } }
              : {}),
            requestTimeoutMs: config.api.requestTimeoutMs,
            maxRecordBytes: config.maxRecordBytes,
          }),
  });

  const registryRetry = new RegistryRetry(
    interpreter,
    { baseDelayMs: config.retry.baseDelayMs, maxDelayMs: config.retry.maxDelayMs },
    logger.child({ component: 'schema-registry' }),
    counters,
  );

  let draining = false;
  let joined = false;
  let waitingForRoom = false;
  // Records are taken while the pipeline is below its bounds and the API accepts the token.
  const hasRoom = (): boolean => !auth.refused && !pipeline.overLimit();

  // Bounded runs: partitions still to read up to their end offset.
  const unfinished = new Set([...(options.endOffsets ?? new Map<string, bigint>())].filter(([, end]) => end > 0n).map(([key]) => key));
  let reportEnd: () => void = () => undefined;
  const reachedEnd = new Promise<void>((resolve) => {
    reportEnd = resolve;
  });
  const finishPartition = (topic: string, partition: number): void => {
    source.finishPartition(topic, partition);
    if (unfinished.delete(partitionKey(topic, partition)) && unfinished.size === 0) reportEnd();
  };
  if (options.endOffsets !== undefined && unfinished.size === 0) reportEnd();

  // The previous owner of a partition writes the highest offset it delivered
  // into its commit metadata. Records up to that offset that are delivered
  // again are counted as duplicates.
  const admin = kafka.admin();
  const readResendBoundaries = async (assignment: TopicPartition[]): Promise<void> => {
    try {
      await admin.connect();
      const topics = [...new Set(assignment.map((entry) => entry.topic))];
      const committed = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics });
      const assigned = new Set(assignment.map((entry) => partitionKey(entry.topic, entry.partition)));
      for (const { topic, partitions } of committed) {
        for (const { partition, metadata } of partitions) {
          // Only partitions still assigned: a ledger is created on first use.
          if (assigned.has(partitionKey(topic, partition)) && tracker.isAssigned(topic, partition)) tracker.ledger(topic, partition).setResendBoundary(metadata);
        }
      }
    } catch (error) {
      logger.debug({ err: error }, 'reading commit metadata failed; duplicates after this rebalance are not counted');
    }
  };

  registerPipelineCollectors(metrics, { pipeline, isPaused: () => source.isPaused() || waitingForRoom, tracker });
  registerLagCollector(metrics, admin, tracker, config.kafka.groupId);

  const updateFlow = (): void => {
    if (draining || auth.refused || pipeline.overLimit()) source.pause();
    else source.resume();
  };
  pipeline.onPressureRelief(updateFlow);
  auth.onChange(updateFlow);

  let reportFatal: (error: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => {
    reportFatal = resolve;
  });

  await source.start({
    accept: (record, control) => {
      const end = options.endOffsets?.get(partitionKey(record.topic, record.partition));
      if (end !== undefined && BigInt(record.offset) >= end) {
        finishPartition(record.topic, record.partition);
        return false;
      }
      if (pipeline.alreadyTracked(record)) return true;
      const outcome = interpreter.interpret(record);
      if (!(outcome instanceof Promise)) {
        pipeline.accept(record, outcome);
        return true;
      }
      return registryRetry.await(record, outcome, control).then((settled) => {
        if (settled === undefined) return false;
        pipeline.accept(record, settled);
        return true;
      });
    },
    shouldPause: () => draining,
    hasRoom,
    waitForRoom: async (control) => {
      if (hasRoom()) return true;
      waitingForRoom = true;
      try {
        while (!hasRoom() && !draining && control.active()) {
          await pipeline.pressureRelief(250);
          await control.heartbeat();
        }
      } finally {
        waitingForRoom = false;
      }
      return !draining && control.active();
    },
    afterBatch: (topic, partition, lastOffset) => {
      committer.request();
      const end = options.endOffsets?.get(partitionKey(topic, partition));
      if (end !== undefined && BigInt(lastOffset) + 1n >= end) finishPartition(topic, partition);
    },
    onAssignment: (assignment) => {
      joined = true;
      void readResendBoundaries(assignment);
      const lost = tracker.assign(assignment);
      if (lost.length > 0) {
        const unsettled = lost.reduce((sum, partition) => sum + partition.unsettledRecords, 0);
        counters.increment('partitions_revoked_total', {}, lost.length);
        counters.increment('revoked_unsettled_records_total', {}, unsettled);
        counters.increment('revoked_delivered_uncommitted_total', {}, lost.reduce((sum, partition) => sum + partition.deliveredUncommitted, 0));
        logger.info({ lost, unsettledRecords: unsettled }, 'partitions revoked; nothing more is committed for them, and their unsettled records are read again by the new owner');
      }
    },
    onRebalancing: () => pipeline.cutAll('rebalance'),
    onRevoking: async () => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), config.rebalanceFlushTimeoutMs);
      });
      const outcome = await Promise.race([pipeline.drain('rebalance').then(() => committer.flush()), deadline]);
      clearTimeout(timer);
      logger.info({ flushed: outcome === true, durationMs: Date.now() - started }, 'windows flushed before rejoining the group');
    },
    onFatal: (error) => {
      logger.fatal({ err: error }, 'Kafka consumer stopped and will not restart');
      reportFatal(error);
    },
  });

  const stop = async (deadlineMs: number): Promise<StopResult> => {
    draining = true;
    source.pause();
    const started = Date.now();

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const drained = pipeline.drain('shutdown').then(() => committer.flush());
    const outcome = await Promise.race([drained, deadline]);
    clearTimeout(timer);

    if (outcome === 'deadline') {
      counters.increment('windows_dropped_total', { reason: windowDropReasons.shutdownDeadline }, pipeline.heldSummary().windows);
      pipeline.abandon(new Error('shutdown deadline passed'));
    }
    committer.stop();

    const uncommitted = tracker
      .owned()
      .filter((ledger) => ledger.unsettledCount() > 0)
      .map((ledger) => ({
        topic: ledger.topic,
        partition: ledger.partition,
        unsettledRecords: ledger.unsettledCount(),
        oldestUnsettledOffset: ledger.oldestUnsettled()?.toString(),
      }));
    const clean = outcome !== 'deadline' && outcome === true && uncommitted.length === 0;

    await source.stop().catch((error: unknown) => logger.warn({ err: error }, 'leaving the consumer group failed'));
    await admin.disconnect().catch(() => undefined);
    follower?.stop();
    await deadLetters.close();
    await receipts?.close();
    await client.close().catch(() => undefined);
    logger.info({ clean, uncommitted, durationMs: Date.now() - started, counters: counters.snapshot() }, 'connector stopped');
    return { clean, uncommitted };
  };

  return {
    reachedEnd,
    positions: () => new Map(tracker.owned().map((ledger) => [partitionKey(ledger.topic, ledger.partition), ledger.highestRegisteredOffset()])),
    dryRunFiles: dryRun?.files ?? [],
    counters,
    fatal,
    stop,
    health: () => healthState({ group_joined: joined, api_authorised: !auth.refused, not_draining: !draining }),
  };
}

/** Logs a warning when the buffer bounds may not fit in the V8 heap limit (a capped `--max-old-space-size`). */
function warnOnHeapShortfall(config: Config, logger: Logger): void {
  const shortfall = heapShortfall(config, getHeapStatistics().heap_size_limit);
  if (!shortfall) return;

  logger.warn(
    {
      neededMiB: mebibytes(shortfall.neededBytes),
      heapLimitMiB: mebibytes(shortfall.heapLimitBytes),
      maxBufferedBytes: config.buffer.maxBytes,
      windowMaxBytes: config.window.maxBytes,
    },
    `buffer bounds may not fit in the V8 heap limit: ${heapShortfallAdvice}`,
  );
}
