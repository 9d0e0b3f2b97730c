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
}

let nextWindowId = 1;

/**
 * Lines bound for one execution. `owners[i]` lists the records that produced
 * line i (more than one when a duplicate line was folded into it).
 */
export class Window {
  readonly id: number;
  readonly key: WindowKey;
  readonly openedAt: number;
  readonly lines: string[] = [];
  readonly owners: RecordRef[][] = [];
  readonly records = new Set<RecordEntry>();
  /** Body size in bytes: every line plus its newline. */
  bytes = 0;
  trigger: FlushTrigger | undefined;

  private readonly indexByLine = new Map<string, number>();
  /** One ref per record in `records`, in the order they entered. */
  private readonly recordRefs: RecordRef[] = [];

  constructor(key: WindowKey, openedAt: number) {
    this.id = nextWindowId++;
    this.key = key;
    this.openedAt = openedAt;
  }

  /** Index of the line in this window, or -1. */
  indexOf(line: string): number {
    return this.indexByLine.get(line) ?? -1;
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
    if (existing >= 0) {
      this.owners[existing]!.push(owner);
    } else {
      this.indexByLine.set(line, this.lines.length);
      this.lines.push(line);
      this.owners.push([owner]);
      this.bytes += lineBytes + 1;
    }

    // The lines of one event arrive together, so the last ref is usually the owner.
    if (this.recordRefs[this.recordRefs.length - 1]?.entry !== owner.entry && !this.records.has(owner.entry)) {
      this.records.add(owner.entry);
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
    const dropped = [...this.records].filter((entry) => !entry.ledger.owned);
    if (dropped.length === 0) return { kept: this, dropped };

    // The kept window takes over this window's count in each owned entry's `pending`.
    const kept = new Window(this.key, this.openedAt);
    kept.trigger = this.trigger;
    this.owners.forEach((owners, index) => {
      const owned = owners.filter((owner) => owner.entry.ledger.owned);
      if (owned.length === 0) return;
      const line = this.lines[index]!;
      kept.indexByLine.set(line, kept.lines.length);
      kept.lines.push(line);
      kept.owners.push(owned);
      kept.bytes += Buffer.byteLength(line) + 1;
      for (const owner of owned) {
        if (kept.records.has(owner.entry)) continue;
        kept.records.add(owner.entry);
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
