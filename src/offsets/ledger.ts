/**
 * One consumed record in the offset ledger. `pending` counts the windows
 * that still hold lines of this record; the record is settled when it is sealed
 * (all its lines were placed) and no window holds it any more.
 */
export interface RecordEntry {
  readonly ledger: PartitionLedger;
  readonly offset: bigint;
  /** Epoch ms at which the record was read, for the oldest-unsettled-age gauge. */
  readonly readAt: number;
  pending: number;
  sealed: boolean;
  /** Lines and bytes the record holds in windows or a pending dead letter, for the buffer bounds; 0 once released. */
  heldLines: number;
  heldBytes: number;
}

/**
 * Settlement state of one topic-partition owned by this member. Records enter
 * in offset order; the commit offset is the offset after the longest prefix of
 * settled records, so a commit never passes a record that is not settled.
 */
export class PartitionLedger {
  readonly topic: string;
  readonly partition: number;
  /** False once the partition is revoked; nothing is committed for it after that. */
  owned = true;

  private entries: RecordEntry[] = [];
  private head = 0;
  private highestRegistered = -1n;
  private settledThrough = -1n;
  private committed = -1n;
  /** Offsets whose lines were delivered but are not committed yet: re-sent if this member dies or loses the partition. */
  private deliveredUncommitted: bigint[] = [];
  private highestDelivered = -1n;
  /**
   * Highest offset the previous owner had delivered at its last commit (from the
   * commit metadata); records up to it that are delivered again are duplicates.
   */
  private resendBoundary = -1n;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /**
   * Registers a record read from Kafka. Returns undefined when the offset is
   * already tracked: after a rebalance that kept this partition, kafkajs fetches
   * again from the committed offset, and those records are already in flight.
   */
  register(offset: bigint): RecordEntry | undefined {
    if (offset <= this.highestRegistered) return undefined;

    this.highestRegistered = offset;
    const entry: RecordEntry = { ledger: this, offset, readAt: Date.now(), pending: 0, sealed: false, heldLines: 0, heldBytes: 0 };
    this.entries.push(entry);
    return entry;
  }

  highestRegisteredOffset(): bigint {
    return this.highestRegistered;
  }

  tracks(offset: bigint): boolean {
    return offset <= this.highestRegistered;
  }

  /** Moves the settled prefix forward; returns true when it advanced. */
  advance(): boolean {
    let advanced = false;
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head]!;
      if (!entry.sealed || entry.pending > 0) break;

      this.settledThrough = entry.offset;
      this.head += 1;
      advanced = true;
    }

    // Drop the settled prefix in chunks so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return advanced;
  }

  /** Returns the offset to commit (the next record to read), or undefined when nothing new is settled. */
  commitCandidate(): bigint | undefined {
    const next = this.settledThrough + 1n;
    return next > this.committed + 1n && this.settledThrough >= 0n ? next : undefined;
  }

  markCommitted(nextOffset: bigint): void {
    if (nextOffset - 1n > this.committed) this.committed = nextOffset - 1n;
    if (this.deliveredUncommitted.length > 0) this.deliveredUncommitted = this.deliveredUncommitted.filter((offset) => offset >= nextOffset);
  }

  /** Records that a record's lines were accepted by the API; returns true when they had been sent before (a duplicate). */
  markDelivered(offset: bigint): boolean {
    this.deliveredUncommitted.push(offset);
    if (offset > this.highestDelivered) this.highestDelivered = offset;
    return offset <= this.resendBoundary;
  }

  /** Delivered records that the next owner of the partition will send again. */
  deliveredUncommittedCount(): number {
    return this.deliveredUncommitted.length;
  }

  /** Commit metadata: the highest delivered offset, so a later owner can count what it sends again. */
  commitMetadata(): string {
    return this.highestDelivered >= 0n ? `delivered:${this.highestDelivered}` : '';
  }

  setResendBoundary(metadata: string | null | undefined): void {
    const match = /^delivered:(\d+)$/.exec(metadata ?? '');
    if (match) this.resendBoundary = BigInt(match[1]!);
  }

  oldestUnsettledReadAt(): number | undefined {
    return this.entries[this.head]?.readAt;
  }

  /** Records read but not settled yet. */
  unsettledCount(): number {
    return this.entries.length - this.head;
  }

  /** Offset of the oldest unsettled record, if any. */
  oldestUnsettled(): bigint | undefined {
    return this.entries[this.head]?.offset;
  }

  lastCommitted(): bigint | undefined {
    return this.committed >= 0n ? this.committed + 1n : undefined;
  }
}
