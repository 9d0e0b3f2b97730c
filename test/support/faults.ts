// Shared helpers of the fault-scenario tests in test/integration/faults/. They
// produce records with a known expected outcome, and a monitor compares the
// group's committed offsets with what is settled while a scenario runs. At the
// end, what the stand-in received and what the dead-letter topic contains are
// compared with what was produced.
//
// The delivery guarantee these helpers check:
// - every record ends delivered (its lines reached the API with a 2xx),
//   dead-lettered (Kafka acknowledged the dead letter) or skipped by a
//   documented rule;
// - the committed offset of a partition never passes a record that is not settled;
// - duplicates come only from windows sent but not committed when a process
//   died or lost its partitions.
import { after, type TestContext } from 'node:test';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type Message } from 'kafkajs';
import { startStandIn, type StandIn, type StandInOptions } from '../../stand-in/mediarithmics/server.ts';
import { canonicalLine, generateEvent } from '../../scripts/sample-events.ts';
import { freePort, type RunningBroker } from '../../scripts/kafka/broker.ts';
import { startConnectorProcess, type ConnectorProcess } from './connector-process.ts';
import { uniqueName, waitFor } from './kafka.ts';

/** What must become of a produced record for the delivery guarantee to hold. */
export type ExpectedOutcome = 'deliver' | 'dead_letter' | 'skip';

export interface PlannedRecord {
  key: string | null;
  value: string | null;
  expected: ExpectedOutcome;
  /** Canonical deletion lines (see canonicalLine) of a record expected to be delivered. */
  lines: string[];
  /** Partition to write to. Records without one are spread round-robin over the topic. */
  partition?: number;
}

export interface ProducedRecord extends PlannedRecord {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Builds the records of the generated events with these indexes (scripts/sample-events.ts). Every line is unique to its index. */
export function generatedRecords(indexes: Iterable<number>, runId: string): PlannedRecord[] {
  const records: PlannedRecord[] = [];
  for (const index of indexes) {
    const { event, expectedLines } = generateEvent(index, runId);
    records.push({
      key: String(event.event_id),
      value: JSON.stringify(event),
      expected: expectedLines.length > 0 ? 'deliver' : 'skip',
      lines: expectedLines.map(canonicalLine),
    });
  }
  return records;
}

/**
 * Pads each event with an extra top-level field of `bytes` characters. The
 * contract ignores unknown fields, so the lines stay the same while each record
 * takes more memory until it is settled.
 */
export function paddedRecords(records: readonly PlannedRecord[], bytes: number): PlannedRecord[] {
  return records.map((record) => {
    if (record.value === null) return record;
    const event = JSON.parse(record.value) as Record<string, unknown>;
    return { ...record, value: JSON.stringify({ ...event, padding: 'p'.repeat(bytes) }) };
  });
}

/** Lists `count` consecutive event indexes from `start` on, a mix of deleting and skipped events. */
export function indexRange(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, offset) => start + offset);
}

/** Lists the first `count` indexes at or after `start` whose generated events produce exactly two lines. */
export function twoLineIndexes(start: number, count: number): number[] {
  const indexes: number[] = [];
  for (let index = start; indexes.length < count; index += 1) {
    const kind = index % 6;
    if (kind === 0 || kind === 1 || kind === 3) indexes.push(index);
  }
  return indexes;
}

/** Lists the first `count` indexes at or after `start` whose generated events delete, with two or three lines each. */
export function deletingIndexes(start: number, count: number): number[] {
  const indexes: number[] = [];
  for (let index = start; indexes.length < count; index += 1) if (index % 6 < 4) indexes.push(index);
  return indexes;
}

export function lineCount(records: readonly PlannedRecord[]): number {
  return records.reduce((sum, record) => sum + record.lines.length, 0);
}

/**
 * Kafka access for one scenario, bound to one bootstrap address so that a test
 * can use a broker of its own. The admin client is created on demand and made
 * again after a failure, so it survives a broker restart.
 */
export class KafkaAccess {
  readonly brokers: string;
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly nextPartition = new Map<string, number>();

  constructor(brokers: string) {
    this.brokers = brokers;
    this.kafka = new Kafka({ clientId: uniqueName('fault-test'), brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  }

  client(): Kafka {
    return this.kafka;
  }

  async useAdmin<T>(run: (admin: Admin) => Promise<T>): Promise<T> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    try {
      return await run(this.admin);
    } catch (error) {
      const broken = this.admin;
      this.admin = undefined;
      await broken?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async createTopic(topic: string, partitions: number, configEntries: { name: string; value: string }[] = []): Promise<void> {
    await this.useAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true }));
  }

  async topicExists(topic: string): Promise<boolean> {
    return this.useAdmin(async (admin) => (await admin.listTopics()).includes(topic));
  }

  /** End offset (the next offset to be written) of each partition. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    return this.useAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, BigInt(entry.high)])));
  }

  /** Committed offset of each partition for the group, read back from the broker (-1 when none). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    return this.useAdmin(async (admin) => {
      const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((result?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
    });
  }

  /** True once every non-empty partition's committed offset equals its end offset. */
  async committedAtEnd(groupId: string, topic: string): Promise<boolean> {
    const [ends, committed] = await Promise.all([this.endOffsets(topic), this.committedOffsets(groupId, topic)]);
    for (const [partition, end] of ends) {
      if (end > 0n && committed.get(partition) !== end) return false;
    }
    return true;
  }

  /**
   * Writes the records with acks=all and returns each with the offset Kafka
   * gave it, read from the produce response. Records without a partition are
   * spread round-robin, continuing from the previous call on the same topic.
   */
  async produce(topic: string, plans: readonly PlannedRecord[], partitions: number): Promise<ProducedRecord[]> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const produced: ProducedRecord[] = [];
    try {
      for (let start = 0; start < plans.length; ) {
        // At most 500 records or about 256 KiB per request, far below the broker's default batch limit of 1 MiB.
        let end = start;
        let bytes = 0;
        while (end < plans.length && end - start < 500 && bytes < 256 * 1024) {
          bytes += plans[end]!.value?.length ?? 0;
          end += 1;
        }
        const chunk = plans.slice(start, end).map((plan) => ({ ...plan, partition: plan.partition ?? this.roundRobin(topic, partitions) }));
        start = end;
        const messages: Message[] = chunk.map((plan) => ({ key: plan.key, value: plan.value, partition: plan.partition }));
        const metadata = await producer.send({ topic, messages, acks: -1 });

        const baseOffsets = new Map(metadata.map((entry) => [entry.partition, BigInt(entry.baseOffset ?? '-1')]));
        const positions = new Map<number, bigint>();
        for (const plan of chunk) {
          const base = baseOffsets.get(plan.partition);
          if (base === undefined || base < 0n) throw new Error(`The produce response has no base offset for partition ${plan.partition} of ${topic}.`);
          const position = positions.get(plan.partition) ?? 0n;
          positions.set(plan.partition, position + 1n);
          produced.push({ ...plan, topic, offset: base + position });
        }
      }
    } finally {
      await producer.disconnect();
    }
    return produced;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  private roundRobin(topic: string, partitions: number): number {
    const next = this.nextPartition.get(topic) ?? 0;
    this.nextPartition.set(topic, next + 1);
    return next % partitions;
  }
}

/** A producer writing generated events in the background until stopped. */
export interface EventStream {
  /** Stops after the batch in progress and resolves with the number of records produced. Rejects when a write failed. */
  stop(): Promise<number>;
}

/**
 * Produces `batchSize` generated events every `intervalMs`, from event index
 * `firstIndex` on, and adds each batch to `expectations` once Kafka acknowledged it.
 */
export function startEventStream(
  kafka: KafkaAccess,
  expectations: Expectations,
  options: { partitions: number; firstIndex: number; batchSize: number; intervalMs: number },
): EventStream {
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    let next = options.firstIndex;
    while (!stopped) {
      const batch = await kafka.produce(expectations.topic, generatedRecords(indexRange(next, options.batchSize), expectations.topic), options.partitions);
      expectations.add(batch);
      count += batch.length;
      next += options.batchSize;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  })();
  // A failed write surfaces in stop(), not as an unhandled rejection.
  loop.catch(() => undefined);
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return count;
    },
  };
}

/** Every produced record of one source topic, by partition and by line. */
export class Expectations {
  readonly topic: string;
  private readonly byPartition = new Map<number, ProducedRecord[]>();
  private readonly ownerByLine = new Map<string, ProducedRecord>();

  constructor(topic: string) {
    this.topic = topic;
  }

  add(records: readonly ProducedRecord[]): void {
    for (const record of records) {
      const list = this.byPartition.get(record.partition) ?? [];
      list.push(record);
      this.byPartition.set(record.partition, list);
      for (const line of record.lines) {
        if (this.ownerByLine.has(line)) throw new Error(`Two produced records expect the same line ${line}. Produce distinct event indexes.`);
        this.ownerByLine.set(line, record);
      }
    }
    for (const list of this.byPartition.values()) list.sort(byOffset);
  }

  all(): ProducedRecord[] {
    return [...this.byPartition.values()].flat();
  }

  /** Records of one partition in offset order. */
  partition(partition: number): readonly ProducedRecord[] {
    return this.byPartition.get(partition) ?? [];
  }

  ownerOf(line: string): ProducedRecord | undefined {
    return this.ownerByLine.get(line);
  }

  /** Lines of every record expected to be delivered. */
  expectedLines(): string[] {
    return [...this.ownerByLine.keys()];
  }
}

function byOffset(a: ProducedRecord, b: ProducedRecord): number {
  if (a.offset === b.offset) return 0;
  return a.offset < b.offset ? -1 : 1;
}

/** Counts each line the stand-in accepted, reading only executions recorded since the last call. */
export class ReceivedLines {
  readonly counts = new Map<string, number>();
  private readonly standIn: StandIn;
  private seen = 0;

  constructor(standIn: StandIn) {
    this.standIn = standIn;
  }

  update(): Map<string, number> {
    const executions = this.standIn.executions;
    for (; this.seen < executions.length; this.seen += 1) {
      for (const line of executions[this.seen]!.lines) {
        const key = canonicalLine(line as Record<string, unknown>);
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
    }
    return this.counts;
  }

  total(): number {
    this.update();
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }
}

export interface DeadLetterRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a dead-letter topic from its start for the whole scenario, with a group of its own. */
export class DeadLetterReader {
  readonly topic: string;
  readonly records: DeadLetterRecord[] = [];
  private readonly kafka: KafkaAccess;
  private readonly consumer: Consumer;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, bigint>();

  private constructor(kafka: KafkaAccess, topic: string) {
    this.kafka = kafka;
    this.topic = topic;
    this.consumer = kafka.client().consumer({ groupId: uniqueName('dlq-reader'), allowAutoTopicCreation: false });
  }

  static async start(kafka: KafkaAccess, topic: string): Promise<DeadLetterReader> {
    const reader = new DeadLetterReader(kafka, topic);
    await reader.consumer.connect();
    await reader.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await reader.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
        }
        reader.records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
        reader.positions.set(partition, BigInt(message.offset) + 1n);
      },
    });
    return reader;
  }

  /** Waits until every dead letter that Kafka had acknowledged when this was called has been read. */
  async catchUp(timeoutMs = 20_000): Promise<void> {
    const ends = await this.kafka.endOffsets(this.topic);
    await waitFor(
      `the reader of ${this.topic} to catch up`,
      () => [...ends].every(([partition, end]) => (this.positions.get(partition) ?? 0n) >= end),
      timeoutMs,
      50,
    );
  }

  /** Dead letters of one source record, found by their dlq.source.* headers. */
  forSource(topic: string, partition: number, offset: bigint): DeadLetterRecord[] {
    return this.records.filter(
      (record) =>
        record.headers['dlq.source.topic'] === topic && record.headers['dlq.source.partition'] === String(partition) && record.headers['dlq.source.offset'] === offset.toString(),
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/**
 * Samples the group's committed offsets while a scenario runs and checks each
 * sample against what is settled. Every record below a committed offset must
 * have all its lines received by the stand-in, or its dead letter on the
 * dead-letter topic, or be skipped by rule. Committed offsets are read first
 * and settlement second, so anything settled before the commit is seen.
 * Committed offsets must also never move back.
 */
export class CommitMonitor {
  readonly violations: string[] = [];
  samples = 0;
  failedSamples = 0;
  private readonly kafka: KafkaAccess;
  private readonly groupId: string;
  private readonly expectations: Expectations;
  private readonly received: ReceivedLines;
  private readonly dlqTopic: string | undefined;
  private reader: DeadLetterReader | undefined;
  private readonly highest = new Map<number, bigint>();
  /** Per partition, how many records from its start are already proven settled. */
  private readonly proven = new Map<number, number>();
  /** Dead letters already found on the dead-letter topic, as partition/offset. */
  private readonly confirmedDeadLetters = new Set<string>();
  private readonly reported = new Set<string>();
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(options: { kafka: KafkaAccess; groupId: string; expectations: Expectations; received: ReceivedLines; dlqTopic?: string }) {
    this.kafka = options.kafka;
    this.groupId = options.groupId;
    this.expectations = options.expectations;
    this.received = options.received;
    this.dlqTopic = options.dlqTopic;
  }

  start(intervalMs = 300): this {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.check();
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    return this;
  }

  /** Takes one sample. A sample that cannot read the broker is counted as failed, not as a violation. */
  async check(): Promise<void> {
    let committed: Map<number, bigint>;
    try {
      committed = await this.kafka.committedOffsets(this.groupId, this.expectations.topic);
    } catch {
      this.failedSamples += 1;
      return;
    }
    const counts = this.received.update();
    this.samples += 1;

    const waitingForDeadLetters: { partition: number; record: ProducedRecord; committed: bigint }[] = [];
    for (const [partition, offset] of committed) {
      if (offset < 0n) continue;
      const previous = this.highest.get(partition);
      if (previous !== undefined && offset < previous) this.report(`partition ${partition}: committed offset moved back from ${previous} to ${offset}`);
      if (previous === undefined || offset > previous) this.highest.set(partition, offset);

      // While a background producer runs, the newest records may not be in the expectations yet,
      // so a commit past the known records is only an error in the last sample.
      const records = this.expectations.partition(partition);
      const last = records.at(-1);
      if (this.stopped && (last === undefined || offset > last.offset + 1n)) {
        this.report(`partition ${partition}: committed offset ${offset} is past the last produced record ${last?.offset ?? 'none'}`);
      }

      let index = this.proven.get(partition) ?? 0;
      let contiguous = true;
      for (; index < records.length && records[index]!.offset < offset; index += 1) {
        const record = records[index]!;
        let settled = true;
        if (record.expected === 'deliver') {
          const missing = record.lines.filter((line) => (counts.get(line) ?? 0) === 0).length;
          if (missing > 0) {
            settled = false;
            this.report(`partition ${partition}: committed offset ${offset} passes offset ${record.offset}, whose ${missing} of ${record.lines.length} lines were not received`);
          }
        } else if (record.expected === 'dead_letter' && !this.confirmedDeadLetters.has(`${partition}/${record.offset}`)) {
          settled = false;
          waitingForDeadLetters.push({ partition, record, committed: offset });
        }
        if (!settled) contiguous = false;
        if (contiguous) this.proven.set(partition, index + 1);
      }
    }

    if (waitingForDeadLetters.length > 0) await this.checkDeadLetters(waitingForDeadLetters);
  }

  /** Stops sampling and takes a last sample. Call it once every record is produced. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.check();
    await this.reader?.stop();
  }

  private async checkDeadLetters(waiting: { partition: number; record: ProducedRecord; committed: bigint }[]): Promise<void> {
    try {
      if (this.dlqTopic === undefined || !(await this.kafka.topicExists(this.dlqTopic))) {
        for (const { partition, record, committed } of waiting) {
          this.report(`partition ${partition}: committed offset ${committed} passes offset ${record.offset}, which needs a dead letter, but no dead-letter topic exists`);
        }
        return;
      }
      this.reader ??= await DeadLetterReader.start(this.kafka, this.dlqTopic);
      await this.reader.catchUp();
    } catch {
      // The topic or the broker could not be read, so this sample proves nothing either way.
      this.failedSamples += 1;
      return;
    }
    for (const { partition, record, committed } of waiting) {
      if (this.reader.forSource(record.topic, partition, record.offset).length > 0) {
        this.confirmedDeadLetters.add(`${partition}/${record.offset}`);
      } else {
        this.report(`partition ${partition}: committed offset ${committed} passes offset ${record.offset}, whose dead letter Kafka had not acknowledged`);
      }
    }
  }

  private report(message: string): void {
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.violations.push(message);
  }
}

/** What the stand-in and the dead-letter topic contain, compared with what was produced. */
export interface Comparison {
  events: number;
  expectedLines: number;
  /** Expected lines received at least once. */
  deliveredLines: number;
  /** Every line the stand-in accepted, copies included. */
  receivedLines: number;
  /** Distinct lines received more than once. */
  duplicatedLines: number;
  /** Copies beyond the first, over all lines. */
  extraCopies: number;
  deadLettered: number;
  /** Expected lines never received. */
  missingLines: string[];
  /** Received lines that no produced record expects (lines of skipped or dead-lettered records included). */
  unexpectedLines: string[];
  /** Records expected to be dead-lettered without a dead letter, as partition/offset. */
  missingDeadLetters: string[];
  /** Dead letters of records that were expected to be delivered or skipped, as partition/offset. */
  unexpectedDeadLetters: string[];
  counts: Map<string, number>;
}

export function compare(expectations: Expectations, received: ReceivedLines, deadLetters?: DeadLetterReader): Comparison {
  const counts = received.update();
  const expected = expectations.expectedLines();
  const missingLines = expected.filter((line) => !counts.has(line));
  const unexpectedLines = [...counts.keys()].filter((line) => expectations.ownerOf(line) === undefined);

  let duplicatedLines = 0;
  let extraCopies = 0;
  let receivedLines = 0;
  for (const count of counts.values()) {
    receivedLines += count;
    if (count > 1) {
      duplicatedLines += 1;
      extraCopies += count - 1;
    }
  }

  const records = expectations.all();
  const missingDeadLetters: string[] = [];
  const unexpectedDeadLetters: string[] = [];
  let deadLettered = 0;
  for (const record of records) {
    const letters = deadLetters?.forSource(record.topic, record.partition, record.offset) ?? [];
    if (letters.length > 0) deadLettered += 1;
    if (record.expected === 'dead_letter' && letters.length === 0) missingDeadLetters.push(`${record.partition}/${record.offset}`);
    if (record.expected !== 'dead_letter' && letters.length > 0) unexpectedDeadLetters.push(`${record.partition}/${record.offset}`);
  }

  return {
    events: records.length,
    expectedLines: expected.length,
    deliveredLines: expected.length - missingLines.length,
    receivedLines,
    duplicatedLines,
    extraCopies,
    deadLettered,
    missingLines,
    unexpectedLines,
    missingDeadLetters,
    unexpectedDeadLetters,
    counts,
  };
}

/**
 * Collects the lines the stand-in had received for records at or past the
 * committed offset of their partition, which is what a member that just died
 * had sent without committing. Call it after the member exited, so no later
 * commit can move the offsets.
 */
export async function sentButUncommitted(kafka: KafkaAccess, groupId: string, expectations: Expectations, received: ReceivedLines): Promise<Set<string>> {
  const committed = await kafka.committedOffsets(groupId, expectations.topic);
  const lines = new Set<string>();
  for (const line of received.update().keys()) {
    const owner = expectations.ownerOf(line);
    if (owner && owner.offset >= (committed.get(owner.partition) ?? -1n)) lines.add(line);
  }
  return lines;
}

/**
 * Lists the lines received more often than the crashes allow. Each crash may
 * add one copy of the lines it had sent without committing, and nothing else
 * may repeat.
 */
export function unexplainedDuplicates(comparison: Comparison, crashes: readonly Set<string>[]): string[] {
  const unexplained: string[] = [];
  for (const [line, count] of comparison.counts) {
    const allowed = 1 + crashes.filter((sent) => sent.has(line)).length;
    if (count > allowed) unexplained.push(`${line} received ${count} times, ${allowed} allowed`);
  }
  return unexplained;
}

/** Writes the per-scenario numbers into the test report. */
export function reportNumbers(t: TestContext, comparison: Comparison, startedAt: number, extra: Record<string, number | string> = {}): void {
  const numbers: Record<string, number | string> = {
    events: comparison.events,
    expectedLines: comparison.expectedLines,
    deliveredLines: comparison.deliveredLines,
    deadLettered: comparison.deadLettered,
    duplicatedLines: comparison.duplicatedLines,
    extraCopies: comparison.extraCopies,
    durationS: Math.round((Date.now() - startedAt) / 100) / 10,
    ...extra,
  };
  t.diagnostic(`numbers ${JSON.stringify(numbers)}`);
}

const metricPrefix = 'mediarithmics_deletion_connector_';

/** A connector child process with its health and metrics server on a loopback port of its own. */
export interface ConnectorUnderTest {
  process: ConnectorProcess;
  httpPort: number;
  pid: number;
  /** Scrapes /metrics into `name{labels}` → value. */
  metrics(): Promise<Map<string, number>>;
  /** Reads one connector metric, named without the prefix. Undefined when the series is absent. */
  metric(name: string, labels?: string): Promise<number | undefined>;
  readyStatus(): Promise<{ status: number; failing: string[] }>;
  /** Sends the signal and resolves with the exit and the time it took in ms. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }>;
}

/** Parses Prometheus text into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** Reads the resident set size of a process in bytes from /proc/<pid>/status (Linux). Undefined once the process is gone. */
export function residentMemoryBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Everything a scenario opens: connectors, stand-ins, Kafka clients, monitors,
 * dead-letter readers, background producers, and brokers of its own with their
 * directories. It closes them in an `after` hook of the test file, whatever the
 * outcome.
 */
export class FaultScope {
  private readonly connectors = new Set<ConnectorUnderTest>();
  private readonly standIns = new Set<StandIn>();
  private readonly kafkas = new Set<KafkaAccess>();
  private readonly monitors = new Set<CommitMonitor>();
  private readonly readers = new Set<DeadLetterReader>();
  private readonly brokers = new Set<RunningBroker>();
  private readonly streams = new Set<EventStream>();
  private readonly directories = new Set<string>();

  constructor() {
    after(() => this.close());
  }

  async standIn(options: StandInOptions): Promise<StandIn> {
    const standIn = await startStandIn(options);
    this.standIns.add(standIn);
    return standIn;
  }

  kafka(brokers: string): KafkaAccess {
    const kafka = new KafkaAccess(brokers);
    this.kafkas.add(kafka);
    return kafka;
  }

  monitor(options: ConstructorParameters<typeof CommitMonitor>[0], intervalMs?: number): CommitMonitor {
    const monitor = new CommitMonitor(options).start(intervalMs);
    this.monitors.add(monitor);
    return monitor;
  }

  async deadLetterReader(kafka: KafkaAccess, topic: string): Promise<DeadLetterReader> {
    const reader = await DeadLetterReader.start(kafka, topic);
    this.readers.add(reader);
    return reader;
  }

  eventStream(...args: Parameters<typeof startEventStream>): EventStream {
    const stream = startEventStream(...args);
    this.streams.add(stream);
    return stream;
  }

  trackBroker(broker: RunningBroker): void {
    this.brokers.add(broker);
  }

  /** Removes the directory at the end, after the brokers that may use it have stopped. */
  trackDirectory(dir: string): void {
    this.directories.add(dir);
  }

  /** Starts the connector with `env`, adding a health and metrics server on a free loopback port. */
  async launch(env: Record<string, string>): Promise<ConnectorUnderTest> {
    const httpPort = await freePort();
    const child = startConnectorProcess({ ...env, HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1' });
    // FAULT_TEST_LOG_DIR keeps each connector's output in a file of that folder, for reading a failed run.
    const logDir = process.env.FAULT_TEST_LOG_DIR;
    if (logDir) {
      const file = join(logDir, `connector-${child.child.pid}.log`);
      child.child.stdout!.on('data', (chunk: string) => appendFileSync(file, chunk));
      child.child.stderr!.on('data', (chunk: string) => appendFileSync(file, chunk));
    }
    const base = `http://127.0.0.1:${httpPort}`;
    const metrics = async (): Promise<Map<string, number>> => parseMetrics(await (await fetch(`${base}/metrics`)).text());
    const connector: ConnectorUnderTest = {
      process: child,
      httpPort,
      pid: child.child.pid ?? -1,
      metrics,
      metric: async (name, labels) => (await metrics()).get(`${metricPrefix}${name}${labels ? `{${labels}}` : ''}`),
      readyStatus: async () => {
        const response = await fetch(`${base}/readyz`);
        const body = (await response.json()) as { failing?: string[] };
        return { status: response.status, failing: body.failing ?? [] };
      },
      stop: async (signal) => {
        const started = Date.now();
        child.kill(signal);
        const exit = await child.exited;
        return { ...exit, elapsedMs: Date.now() - started };
      },
    };
    this.connectors.add(connector);
    return connector;
  }

  async close(): Promise<void> {
    for (const stream of this.streams) await stream.stop().catch(() => undefined);
    for (const connector of this.connectors) {
      connector.process.kill('SIGKILL');
      await connector.process.exited;
    }
    for (const monitor of this.monitors) await monitor.stop().catch(() => undefined);
    for (const reader of this.readers) await reader.stop();
    for (const standIn of this.standIns) await standIn.close();
    for (const kafka of this.kafkas) await kafka.close();
    for (const broker of this.brokers) await broker.stop();
    for (const dir of this.directories) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits like waitFor, but fails at once with the output tail when one of the
 * connectors has exited, instead of waiting for the deadline.
 */
export async function waitWhileRunning<T>(
  connectors: readonly ConnectorUnderTest[],
  description: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  let exited: ConnectorUnderTest | undefined;
  const result = await waitFor(
    description,
    async () => {
      exited = connectors.find((connector) => connector.process.child.exitCode !== null || connector.process.child.signalCode !== null);
      if (exited) return { exited: true } as const;
      const value = await check();
      return value === undefined || value === false ? undefined : ({ value } as const);
    },
    timeoutMs,
  );
  if ('exited' in result) throw new Error(`connector ${exited!.pid} exited while waiting for ${description}; output tail:\n${exited!.process.output().slice(-4000)}`);
  return result.value;
}

/** Log lines of every given connector that match `msg`. */
export function logCount(connectors: readonly ConnectorUnderTest[], msg: string): number {
  return connectors.reduce((sum, connector) => sum + connector.process.logs.filter((line) => line.msg === msg).length, 0);
}
