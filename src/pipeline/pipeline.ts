import type { ReasonCode } from '../contract/reasons.ts';
import type { RecordOutcome } from '../mapping/interpret.ts';
import { windowDropReasons } from '../telemetry/catalog.ts';
import type { RecordEntry } from '../offsets/ledger.ts';
import type { OffsetTracker } from '../offsets/tracker.ts';
import type { Committer } from '../offsets/committer.ts';
import type { SourceRecord } from '../source/record.ts';
import type { DeadLetter, DeadLetterSink } from '../dlq/dead-letters.ts';
import { Windower, type WindowPolicy } from '../window/windower.ts';
import type { DocumentType, RecordRef, Window, WindowKey } from '../window/window.ts';
import { DeliveryQueue, type Sender } from './delivery-queue.ts';
import type { DeliveryReport } from '../sink/send-window.ts';
import type { ExecutionFollower } from '../sink/execution-follower.ts';
import type { ReceiptWriter } from '../receipts/receipts.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { CounterSeries, HistogramSeries, Metrics } from '../telemetry/metrics.ts';

export interface PipelineOptions {
  window: WindowPolicy;
  buffer: { maxLines: number; maxBytes: number };
  maxConcurrentExecutions: number;
}

export interface PipelineDeps {
  tracker: OffsetTracker;
  committer: Committer;
  sender: Sender;
  deadLetters: DeadLetterSink;
  /** Writes the audit trail; the window's offsets wait for its receipts. */
  receipts: ReceiptWriter | undefined;
  follower: ExecutionFollower | undefined;
  logger: Logger;
  counters: Metrics;
}

/**
 * The chain from a consumed record to committed offsets:
 * interpret → window → send → settle → commit. `accept` is synchronous and is
 * called in offset order per partition; everything after it is asynchronous.
 */
export class Pipeline {
  private readonly options: PipelineOptions;
  private readonly deps: PipelineDeps;
  private readonly windower: Windower;
  private readonly deliveries: DeliveryQueue;
  private heldLines = 0;
  private heldBytes = 0;
  private readonly pendingDeadLetters = new Set<Promise<void>>();
  private readonly pressureListeners = new Set<() => void>();
  private readonly reliefWaiters = new Set<() => void>();
  /** Counter handles for what is counted once per record, so each count is a plain addition. */
  private readonly consumedByTopic = new Map<string, CounterSeries>();
  private readonly skippedByReason = new Map<string, CounterSeries>();
  private readonly deletingEvents: CounterSeries;
  private readonly windowKeys = new Map<string, WindowKey>();
  private lastKey: WindowKey | undefined;
  private readonly timeToErasure: HistogramSeries;

  constructor(options: PipelineOptions, deps: PipelineDeps) {
    this.options = options;
    this.deps = deps;
    this.deletingEvents = deps.counters.counter('events_deleting_total');
    this.timeToErasure = deps.counters.histogram('time_to_erasure_seconds');
    this.deliveries = new DeliveryQueue(
      deps.sender,
      options.maxConcurrentExecutions,
      (window, report) => this.settleWindow(window, report),
      (window) => this.pruneRevoked(window),
      deps.logger,
      deps.counters,
    );
    this.windower = new Windower(options.window, (window) => this.deliveries.push(window));
  }

  /**
   * True when the record is already in the pipeline: after a rebalance that
   * kept its partition, kafkajs fetches again from the committed offset.
   */
  alreadyTracked(record: SourceRecord): boolean {
    return this.deps.tracker.ledger(record.topic, record.partition).tracks(BigInt(record.offset));
  }

  /** Takes one interpreted record into the pipeline; returns false when it was already in flight. */
  accept(record: SourceRecord, outcome: RecordOutcome): boolean {
    const { tracker, counters } = this.deps;
    const entry = tracker.ledger(record.topic, record.partition).register(BigInt(record.offset));
    if (!entry) return false;

    this.consumedCounter(record.topic).add();

    switch (outcome.kind) {
      case 'tombstone':
        this.skippedCounter('tombstone' satisfies ReasonCode).add();
        entry.sealed = true;
        break;

      case 'skipped':
        this.skippedCounter(outcome.reason).add();
        // Debug level: skips by policy (consent.granted above all) are routine and frequent.
        this.deps.logger.debug({ eventId: outcome.eventId, eventType: outcome.eventType, reason: outcome.reason, topic: record.topic, partition: record.partition, offset: record.offset }, 'event skipped');
        entry.sealed = true;
        break;

      case 'rejected':
        this.deadLetter(entry, { record, stage: outcome.stage, reason: outcome.reason, message: outcome.message, eventId: outcome.eventId });
        entry.sealed = true;
        break;

      case 'delete': {
        for (const skipped of outcome.skippedIdentifiers) {
          counters.increment('identifiers_skipped_total', { reason: skipped.reason });
          this.deps.logger.info({ eventId: outcome.eventId, identifierIndex: skipped.index, identifierType: skipped.identifierType, reason: skipped.reason }, 'identifier skipped');
        }

        const ref: RecordRef = { entry, record, eventId: outcome.eventId, occurredAtMs: outcome.occurredAtMs };
        const texts = outcome.texts;
        let bytes = record.value?.length ?? 0;
        for (const text of texts) bytes += text.length;
        this.windower.addEvent(this.windowKey(outcome.datamartId, outcome.documentType), texts, ref);
        this.hold(entry, texts.length, bytes);
        this.deletingEvents.add();
        entry.sealed = true;
        break;
      }
    }
    return true;
  }

  /** True while open and in-flight windows hold more than the configured bounds. */
  overLimit(): boolean {
    return this.heldLines >= this.options.buffer.maxLines || this.heldBytes >= this.options.buffer.maxBytes;
  }

  /** Resolves at the next drop of held memory, or after `timeoutMs`, whichever comes first. */
  pressureRelief(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.reliefWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.reliefWaiters.add(done);
    });
  }

  /** Called each time held memory shrinks, so a paused source can resume. */
  onPressureRelief(listener: () => void): void {
    this.pressureListeners.add(listener);
  }

  heldSummary(): { lines: number; bytes: number; windows: number } {
    return { lines: this.heldLines, bytes: this.heldBytes, windows: this.windower.openWindows().length + this.deliveries.size() };
  }

  /** Cuts every open window now and waits until all windows and dead letters are settled. */
  async drain(trigger: 'shutdown' | 'rebalance'): Promise<void> {
    this.windower.flushAll(trigger);
    await this.deliveries.idle();
    while (this.pendingDeadLetters.size > 0) await Promise.all([...this.pendingDeadLetters]);
  }

  /** Cuts every open window so their delivery starts now, without waiting for it. */
  cutAll(trigger: 'shutdown' | 'rebalance'): void {
    this.windower.flushAll(trigger);
  }

  /** Stops every retry in progress; used when the shutdown deadline has passed. */
  abandon(reason: Error): void {
    this.deliveries.cancel(reason);
  }

  private deadLetter(entry: RecordEntry, letter: DeadLetter): void {
    // The record's bytes stay in memory until the dead letter is durable.
    this.hold(entry, 0, letter.record.value?.length ?? 0);
    entry.pending += 1;
    const task = this.deps.deadLetters.send(letter).then(() => this.releaseEntries([entry]));
    this.pendingDeadLetters.add(task);
    void task.finally(() => this.pendingDeadLetters.delete(task));
  }

  /**
   * Drops the lines of partitions lost in a rebalance from a window about to be
   * sent: their new owner sends them, so sending them here too would only
   * duplicate them.
   */
  private pruneRevoked(window: Window): Window | undefined {
    const { kept, dropped } = window.withoutDisowned();
    if (dropped.length === 0) return kept;

    this.deps.logger.info({ windowId: window.id, droppedRecords: dropped.length, keptLines: kept?.lines.length ?? 0 }, 'lines of revoked partitions left out of a window');
    if (!kept) this.deps.counters.increment('windows_dropped_total', { reason: windowDropReasons.revoked });
    this.releaseEntries(dropped);
    return kept;
  }

  private async settleWindow(window: Window, report: DeliveryReport): Promise<void> {
    const { counters } = this.deps;
    counters.increment('lines_delivered_total', {}, report.linesDelivered);
    counters.increment('executions_created_total', {}, report.executions.length);
    this.recordDelivered(window, report);

    // Events whose lines the API refused are dead-lettered before the window's
    // records are released, so their offsets wait for the dead letter too.
    const letters = report.rejected.flatMap((rejected) =>
      rejected.owners.map((owner) =>
        this.deps.deadLetters.send({
          record: owner.record,
          stage: 'deliver',
          reason: rejected.reason,
          message: rejected.message,
          eventId: owner.eventId,
          httpStatus: rejected.status,
        }),
      ),
    );
    await Promise.all(letters);
    if (this.deps.receipts) await this.deps.receipts.eventsSent(window, report);

    for (const execution of report.executions) {
      this.deps.follower?.follow({
        datamartId: window.key.datamartId,
        importId: report.importId!,
        executionId: execution.id,
        windowId: window.id,
        lines: execution.indexes.length,
        acceptedAt: execution.acceptedAt,
      });
    }

    this.releaseEntries(window.records);
  }

  /** Counts delivered lines by type and observes the time to erasure of each event once. */
  private recordDelivered(window: Window, report: DeliveryReport): void {
    const { counters } = this.deps;

    // Counted locally first: one metric update per line type, not per line.
    const byType = [0, 0, 0, 0];
    let delivered = 0;
    for (const execution of report.executions) {
      for (const index of execution.indexes) byType[lineTypeIndex(window.lines[index]!)]! += 1;
      delivered += execution.indexes.length;
    }
    for (let type = 0; type < lineTypes.length; type++) {
      if (byType[type]! > 0) counters.increment('lines_sent_total', { type: lineTypes[type]! }, byType[type]);
    }

    // Usually every line was accepted in one execution, and each record of the
    // window counts. After a split with refused lines, only the owners of
    // accepted lines count, each once.
    if (report.executions.length === 1 && delivered === window.lines.length) {
      const acceptedAt = report.executions[0]!.acceptedAt;
      for (const ref of window.refs()) this.markDelivered(ref, acceptedAt);
      return;
    }
    const seen = new Set<RecordEntry>();
    for (const execution of report.executions) {
      for (const index of execution.indexes) {
        for (const owner of window.owners[index] ?? []) {
          if (seen.has(owner.entry)) continue;
          seen.add(owner.entry);
          this.markDelivered(owner, execution.acceptedAt);
        }
      }
    }
  }

  private markDelivered(owner: RecordRef, acceptedAt: number): void {
    if (owner.entry.ledger.markDelivered(owner.entry.offset)) this.deps.counters.increment('duplicates_resent_total');
    if (Number.isFinite(owner.occurredAtMs)) this.timeToErasure.observe(Math.max(0, acceptedAt - owner.occurredAtMs) / 1000);
  }

  /** Returns one key object per destination, so the windower finds its slot by identity. */
  private windowKey(datamartId: string, documentType: DocumentType): WindowKey {
    const last = this.lastKey;
    if (last !== undefined && last.datamartId === datamartId && last.documentType === documentType) return last;

    const key = cached(this.windowKeys, `${datamartId}/${documentType}`, () => ({ datamartId, documentType }));
    this.lastKey = key;
    return key;
  }

  private consumedCounter(topic: string): CounterSeries {
    return cached(this.consumedByTopic, topic, () => this.deps.counters.counter('events_consumed_total', { topic }));
  }

  private skippedCounter(reason: ReasonCode): CounterSeries {
    return cached(this.skippedByReason, reason, () => this.deps.counters.counter('events_skipped_total', { reason }));
  }

  private hold(entry: RecordEntry, lines: number, bytes: number): void {
    entry.heldLines = lines;
    entry.heldBytes = bytes;
    this.heldLines += lines;
    this.heldBytes += bytes;
  }

  private releaseEntries(entries: Iterable<RecordEntry>): void {
    const released = [...entries];
    for (const entry of released) {
      if (entry.pending !== 1) continue;
      this.heldLines -= entry.heldLines;
      this.heldBytes -= entry.heldBytes;
      entry.heldLines = 0;
      entry.heldBytes = 0;
    }

    this.deps.tracker.release(released);
    this.deps.committer.request();
    if (!this.overLimit()) for (const listener of this.pressureListeners) listener();
    for (const waiter of [...this.reliefWaiters]) waiter();
  }
}

/** Returns the value stored under `key`, creating and storing it on first use. */
function cached<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

const lineTypes = ['USER_POINT', 'USER_ACCOUNT', 'USER_EMAIL', 'USER_AGENT'] as const;

/**
 * Reads the line type from the serialized line, which starts with
 * `{"type":"USER_` (serializeLine writes `type` first): the next two characters
 * tell the four types apart without slicing the string.
 */
function lineTypeIndex(line: string): number {
  const first = line.charCodeAt(14);
  if (first === 0x50 /* P */) return 0;
  if (first === 0x45 /* E */) return 2;
  return line.charCodeAt(15) === 0x43 /* C */ ? 1 : 3;
}
