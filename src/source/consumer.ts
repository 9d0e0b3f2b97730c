import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { SourceRecord } from './record.ts';
import type { TopicPartition } from '../offsets/tracker.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface SourceOptions {
  groupId: string;
  topics: string[];
  /** Group session timeout in ms; a member silent for longer is evicted. */
  sessionTimeoutMs: number;
  /** Bytes one fetch response may hold, over all partitions and per partition. */
  fetchMaxBytes: number;
  fetchMaxBytesPerPartition: number;
  /**
   * Bounded runs: where to start each partition, keyed by `topic/partition`,
   * whatever the group committed before. Applied once, when first assigned.
   */
  startOffsets?: Map<string, bigint>;
}

/** Controls that a slow `accept` uses while it waits, so the member stays in the group. */
export interface BatchControl {
  /** Sends a heartbeat when one is due; throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the batch belongs to an old assignment. */
  active(): boolean;
}

export interface SourceHandlers {
  /**
   * Takes one record; called in offset order within each partition. Returns
   * false (or a promise of false) when the record was not taken: the batch
   * stops there and the record is fetched again later.
   */
  accept(record: SourceRecord, control: BatchControl): boolean | Promise<boolean>;
  /** True when the source must stop fetching for good (the process is draining). */
  shouldPause(): boolean;
  /** True when records can be taken now; checked before each record, so it must be cheap. */
  hasRoom(): boolean;
  /**
   * Waits, heartbeating, while the pipeline is full or the API refuses the
   * token. Resolves true when records can be taken again and false when the
   * batch must stop (draining, stopping or rebalancing).
   */
  waitForRoom(control: BatchControl): Promise<boolean>;
  /** Called after each fetched batch with its last offset, so settled offsets of skipped records get committed. */
  afterBatch(topic: string, partition: number, lastOffset: string): void;
  onAssignment(assignment: TopicPartition[]): void;
  /**
   * The group is rebalancing and this member still owns its partitions: flush
   * and commit now, before they may move to another member. Awaited before
   * kafkajs rejoins, within the caller's own deadline.
   */
  onRevoking(): Promise<void>;
  /** kafkajs detected a rebalance outside a batch and is rejoining already. */
  onRebalancing(): void;
  /** kafkajs gave up and will not restart the consumer: the process must exit. */
  onFatal(error: Error): void;
}

/**
 * The Kafka side: a consumer group member with manual offsets. kafkajs never
 * commits on its own here (autoCommit off, auto-resolve off); `resolveOffset`
 * only moves the fetch position, and commits come from the offset tracker.
 */
export class KafkaSource {
  readonly consumer: Consumer;
  private readonly options: SourceOptions;
  private readonly logger: Logger;
  private paused = false;
  private readonly seeked = new Set<string>();
  /** Partitions a bounded run has finished; they stay paused through resume(). */
  private readonly finished = new Map<string, Set<number>>();

  constructor(kafka: Kafka, options: SourceOptions, logger: Logger) {
    this.options = options;
    this.logger = logger;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      // Record values are slices of their fetch response, so a response stays
      // in memory until its last held record is settled: smaller fetches keep
      // the source stage's memory low at little cost in throughput.
      maxBytes: options.fetchMaxBytes,
      maxBytesPerPartition: options.fetchMaxBytesPerPartition,
      // A fetch waits at most 500 ms for new records, which bounds how long a
      // stop waits for an idle fetch. kafkajs also sleeps this long when every
      // partition is paused, so it bounds how late consumption resumes.
      maxWaitTimeInMs: 500,
    });
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const { consumer } = this;

    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assignment = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.logger.info({ memberId: event.payload.memberId, assignment }, 'joined consumer group');
      // GROUP_JOIN is emitted before the first fetch, so the seek applies to it.
      for (const { topic, partition } of assignment) {
        const key = `${topic}/${partition}`;
        const offset = this.options.startOffsets?.get(key);
        if (offset === undefined || this.seeked.has(key)) continue;
        this.seeked.add(key);
        consumer.seek({ topic, partition, offset: offset.toString() });
      }
      handlers.onAssignment(assignment);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.logger.info({}, 'consumer group is rebalancing');
      handlers.onRebalancing();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (restart) {
        this.logger.warn({ err: error }, 'Kafka consumer crashed; kafkajs restarts it');
        return;
      }
      handlers.onFatal(error);
    });

    await consumer.connect();
    // A new group starts from the earliest offset: withdrawals published before
    // the connector first ran must be deleted too.
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload, handlers),
    });
  }

  /** Stops fetching from every subscribed topic (the group membership stays). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    this.logger.info({}, 'consumption paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
    for (const [topic, partitions] of this.finished) this.consumer.pause([{ topic, partitions: [...partitions] }]);
    this.logger.info({}, 'consumption resumed');
  }

  /** Stops fetching one partition for good, when a bounded run reached its end offset. */
  finishPartition(topic: string, partition: number): void {
    const partitions = this.finished.get(topic) ?? new Set<number>();
    if (partitions.has(partition)) return;
    partitions.add(partition);
    this.finished.set(topic, partitions);
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  isPaused(): boolean {
    return this.paused;
  }

  async commit(offsets: { topic: string; partition: number; offset: string; metadata: string }[]): Promise<void> {
    await this.consumer.commitOffsets(offsets);
  }

  /** Leaves the group and closes connections. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload, handlers: SourceHandlers): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const control: BatchControl = {
      heartbeat: async () => {
        try {
          await heartbeat();
        } catch (error) {
          // The member has not rejoined yet, so it still owns its partitions:
          // this is the last moment to deliver and commit their windows.
          if (isRebalanceError(error)) await handlers.onRevoking();
          throw error;
        }
      },
      active: () => isRunning() && !isStale(),
    };

    // Only the last accepted offset is resolved: kafkajs parses every offset it is
    // given, and resolving one offset also covers those before it.
    let lastAcceptedOffset: string | undefined;
    try {
      for (const message of batch.messages) {
        if (!control.active()) break;

        // Stop in the middle of a batch when the process drains: the unresolved
        // rest is fetched again by the next owner, so nothing is skipped.
        if (this.paused || handlers.shouldPause()) {
          this.pause();
          break;
        }

        // Backpressure waits here rather than pausing the consumer: kafkajs
        // sleeps a whole fetch wait after a pause, and this keeps the batch.
        if (!handlers.hasRoom() && !(await handlers.waitForRoom(control))) break;

        const record: SourceRecord = {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
        };
        const accepted = handlers.accept(record, control);
        if (accepted === false || (accepted !== true && !(await accepted))) break;
        lastAcceptedOffset = message.offset;
      }
    } finally {
      if (lastAcceptedOffset !== undefined) resolveOffset(lastAcceptedOffset);
    }

    handlers.afterBatch(batch.topic, batch.partition, batch.lastOffset());
    await control.heartbeat();
  }
}

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'NOT_COORDINATOR_FOR_GROUP';
}
