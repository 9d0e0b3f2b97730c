import { PartitionLedger, type RecordEntry } from './ledger.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface CommitRequest {
  ledger: PartitionLedger;
  topic: string;
  partition: number;
  /** Offset of the next record to read, as Kafka commits expect. */
  offset: bigint;
  metadata: string;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The ledgers of every partition this member owns, and what is ready to commit. */
export class OffsetTracker {
  private readonly ledgers = new Map<string, PartitionLedger>();
  private assignment = new Set<string>();
  /** The ledger returned last: records come in batches of one partition, so most lookups repeat it. */
  private lastLedger: PartitionLedger | undefined;

  /** True when the latest assignment includes the partition. */
  isAssigned(topic: string, partition: number): boolean {
    return this.assignment.has(partitionKey(topic, partition));
  }

  ledger(topic: string, partition: number): PartitionLedger {
    const last = this.lastLedger;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;

    const key = partitionKey(topic, partition);
    let ledger = this.ledgers.get(key);
    if (!ledger) {
      ledger = new PartitionLedger(topic, partition);
      this.ledgers.set(key, ledger);
    }
    this.lastLedger = ledger;
    return ledger;
  }

  /**
   * Applies a new assignment: ledgers of partitions no longer owned are
   * disowned (their in-flight windows may still be delivered, but nothing is
   * committed for them). Returns the partitions that were lost.
   */
  assign(assignment: TopicPartition[]): (TopicPartition & { unsettledRecords: number; deliveredUncommitted: number })[] {
    const keep = new Set(assignment.map(({ topic, partition }) => partitionKey(topic, partition)));
    const previous = this.assignment;
    this.assignment = keep;
    this.lastLedger = undefined;

    const lost: (TopicPartition & { unsettledRecords: number; deliveredUncommitted: number })[] = [];
    for (const [key, ledger] of this.ledgers) {
      if (keep.has(key)) continue;
      ledger.owned = false;
      this.ledgers.delete(key);
      previous.delete(key);
      lost.push({ topic: ledger.topic, partition: ledger.partition, unsettledRecords: ledger.unsettledCount(), deliveredUncommitted: ledger.deliveredUncommittedCount() });
    }
    // Partitions owned before but never read from have no ledger; they are lost all the same.
    for (const key of previous) {
      if (keep.has(key)) continue;
      const separator = key.lastIndexOf('\u0000');
      lost.push({ topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)), unsettledRecords: 0, deliveredUncommitted: 0 });
    }
    return lost;
  }

  /** Settles records whose last window was delivered; returns ledgers that advanced. */
  release(entries: Iterable<RecordEntry>): Set<PartitionLedger> {
    const touched = new Set<PartitionLedger>();
    for (const entry of entries) {
      entry.pending -= 1;
      if (entry.pending === 0) touched.add(entry.ledger);
    }
    return touched;
  }

  /** Offsets that can be committed now, for owned partitions only. */
  commitRequests(): CommitRequest[] {
    const requests: CommitRequest[] = [];
    for (const ledger of this.ledgers.values()) {
      ledger.advance();
      const offset = ledger.commitCandidate();
      if (offset !== undefined && ledger.owned) {
        requests.push({ ledger, topic: ledger.topic, partition: ledger.partition, offset, metadata: ledger.commitMetadata() });
      }
    }
    return requests;
  }

  unsettledCount(): number {
    let count = 0;
    for (const ledger of this.ledgers.values()) count += ledger.unsettledCount();
    return count;
  }

  /** Epoch ms at which the oldest unsettled record of any owned partition was read. */
  oldestUnsettledReadAt(): number | undefined {
    let oldest: number | undefined;
    for (const ledger of this.ledgers.values()) {
      const readAt = ledger.oldestUnsettledReadAt();
      if (readAt !== undefined && (oldest === undefined || readAt < oldest)) oldest = readAt;
    }
    return oldest;
  }

  owned(): PartitionLedger[] {
    return [...this.ledgers.values()];
  }
}
