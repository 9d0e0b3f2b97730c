import type { RecordEntry } from '../offsets/ledger.ts';
import type { SourceRecord } from '../source/record.ts';

export type DocumentType = 'USER_POINTS_DELETION' | 'USER_IDENTIFIERS_DELETION';

/** Windows are kept apart per destination: each has its own document import. */
export interface WindowKey {
  datamartId: string;
  documentType: DocumentType;
}

/** The trigger that cut a window: a size limit, its age, or the process draining it. */
export type FlushTrigger = 'lines' | 'bytes' | 'age' | 'shutdown' | 'rebalance';

/** A consumed record whose lines sit in one or more windows. */
export interface RecordRef {
  entry: RecordEntry;
  record: SourceRecord;
  eventId: string;
  /** The event's occurred_at in epoch ms, for the time-to-erasure figure. */
  occurredAtMs: number;
  /**
   * Id of the last window this record entered, set by the window. A record's
   * lines fill one open window at a time and never return to a cut one, so comparing
   * ids shows whether the record is already in a window, without a set per window.
   * Window ids start at 1, so 0 means none.
   */
  windowId?: number;
}

let nextWindowId = 1;

/**
 * Lines bound for one execution. `ownersOf(i)` lists the records that produced
 * line i (more than one when a duplicate line was folded into it).
 */
export class Window {
  readonly id: number;
  readonly key: WindowKey;
  readonly openedAt: number;
  readonly lines: string[] = [];
  /** Body size in bytes: every line plus its newline. */
  bytes = 0;
  trigger: FlushTrigger | undefined;

  private readonly indexByLine = new Map<string, number>();
  /** The record that produced each line first; most lines have no other owner. */
  private readonly firstOwners: RecordRef[] = [];
  /** Owners after the first, by line index, for lines folded from several events. */
  private foldedOwners: Map<number, RecordRef[]> | undefined;
  /** One ref per record with a line in this window, in the order they entered. */
  private readonly recordRefs: RecordRef[] = [];

  constructor(key: WindowKey, openedAt: number) {
    this.id = nextWindowId++;
    this.key = key;
    this.openedAt = openedAt;
  }

  has(line: string): boolean {
    return this.indexByLine.has(line);
  }

  /** Index of the line in this window, or -1. */
  indexOf(line: string): number {
    return this.indexByLine.get(line) ?? -1;
  }

  /** Lists the records that produced line `index`, each once. */
  ownersOf(index: number): readonly RecordRef[] {
    const first = this.firstOwners[index];
    if (first === undefined) return [];
    const folded = this.foldedOwners?.get(index);
    return folded ? [first, ...folded] : [first];
  }

  /** Every record with a line in this window, each once. */
  get records(): RecordEntry[] {
    return this.recordRefs.map((ref) => ref.entry);
  }

  /** Adds a line, or folds a duplicate into the line already present. */
  add(line: string, lineBytes: number, owner: RecordRef): void {
    this.place(line, lineBytes, owner, this.indexOf(line));
  }

  /**
   * Adds a line whose index the caller already looked up (-1 when absent), so
   * that each line is looked up once on its way in.
   */
  place(line: string, lineBytes: number, owner: RecordRef, existing: number): void {
    const entered = owner.windowId !== this.id;
    if (existing < 0) {
      this.indexByLine.set(line, this.lines.length);
      this.lines.push(line);
      this.firstOwners.push(owner);
      this.bytes += lineBytes + 1;
    } else if (entered || !this.ownersOf(existing).includes(owner)) {
      this.foldedOwners ??= new Map();
      const folded = this.foldedOwners.get(existing);
      if (folded) folded.push(owner);
      else this.foldedOwners.set(existing, [owner]);
    }

    if (entered) {
      owner.windowId = this.id;
      this.recordRefs.push(owner);
      owner.entry.pending += 1;
    }
  }

  /** Builds the ndjson body: one compact JSON object per line, each ending with a newline. */
  body(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  /**
   * Splits off the records of partitions this member no longer owns, so their
   * lines are not sent: the partition's new owner reads and sends them again.
   * Returns the window to send (undefined when nothing owned is left) and the
   * entries that lost their place in this window.
   */
  withoutDisowned(): { kept: Window | undefined; dropped: RecordEntry[] } {
    const dropped = this.records.filter((entry) => !entry.ledger.owned);
    if (dropped.length === 0) return { kept: this, dropped };

    // The kept window takes over this window's count in each owned entry's
    // `pending`, so refs enter it directly rather than through place().
    const kept = new Window(this.key, this.openedAt);
    kept.trigger = this.trigger;
    const keptRecords = new Set<RecordEntry>();
    this.lines.forEach((line, index) => {
      const owned = this.ownersOf(index).filter((owner) => owner.entry.ledger.owned);
      if (owned.length === 0) return;
      const keptIndex = kept.lines.length;
      kept.indexByLine.set(line, keptIndex);
      kept.lines.push(line);
      kept.firstOwners.push(owned[0]!);
      if (owned.length > 1) {
        kept.foldedOwners ??= new Map();
        kept.foldedOwners.set(keptIndex, owned.slice(1));
      }
      kept.bytes += Buffer.byteLength(line) + 1;
      for (const owner of owned) {
        if (keptRecords.has(owner.entry)) continue;
        keptRecords.add(owner.entry);
        kept.recordRefs.push(owner);
      }
    });
    return { kept: kept.lines.length > 0 ? kept : undefined, dropped };
  }

  /** Lists every record with a line in this window, each once. */
  refs(): readonly RecordRef[] {
    return this.recordRefs;
  }
}

export function windowKeyId(key: WindowKey): string {
  return `${key.datamartId}/${key.documentType}`;
}
