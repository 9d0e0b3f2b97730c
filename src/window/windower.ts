import { Window, windowKeyId, type FlushTrigger, type RecordRef, type WindowKey } from './window.ts';

export interface WindowPolicy {
  maxLines: number;
  /** Maximum body bytes, newlines included. */
  maxBytes: number;
  maxAgeMs: number;
}

/** The open window of one destination. */
interface Slot {
  readonly keyId: string;
  open: Window | undefined;
}

/**
 * Keeps one open window per destination and cuts it when the next line would
 * not fit, when it reaches a limit, or when it grows old. Each cut window goes
 * to `onCut` with the trigger that cut it.
 */
export class Windower {
  private readonly slots = new Map<string, Slot>();
  private readonly timers = new Map<Window, NodeJS.Timeout>();
  private readonly policy: WindowPolicy;
  private readonly onCut: (window: Window) => void;
  private readonly now: () => number;
  /** The slot used last: most events go to the same destination as the one before. */
  private lastKey: WindowKey | undefined;
  private lastSlot: Slot | undefined;
  /** Per-line scratch space of `addEvent`, reused so that an event allocates nothing here. */
  private readonly lineBytes: number[] = [];
  private readonly found: number[] = [];

  constructor(policy: WindowPolicy, onCut: (window: Window) => void, now: () => number = Date.now) {
    this.policy = policy;
    this.onCut = onCut;
    this.now = now;
  }

  /**
   * Places the lines of one event. They go into one window when they fit
   * together, so an event normally becomes part of a single execution; the
   * open window is cut first when they do not. Only an event larger than a
   * whole window is spread over several. A line repeated within the event is
   * placed once. The caller seals the record after.
   */
  addEvent(key: WindowKey, lines: readonly string[], owner: RecordRef): void {
    const { policy, lineBytes, found } = this;
    const slot = this.slotFor(key);
    const lookedUp = slot.open;

    // One pass measures each line and looks it up once in the open window.
    let newLines = 0;
    let newBytes = 0;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      if (lines.indexOf(line) < index) {
        found[index] = REPEATED;
        continue;
      }
      const bytes = Buffer.byteLength(line);
      lineBytes[index] = bytes;
      const existing = lookedUp ? lookedUp.indexOf(line) : -1;
      found[index] = existing;
      if (existing < 0) {
        newLines += 1;
        newBytes += bytes + 1;
      }
    }

    if (lookedUp && lookedUp.lines.length > 0) {
      const fitsInEmpty = newLines <= policy.maxLines && newBytes <= policy.maxBytes;
      if (fitsInEmpty && lookedUp.lines.length + newLines > policy.maxLines) this.cut(slot, lookedUp, 'lines');
      else if (fitsInEmpty && lookedUp.bytes + newBytes > policy.maxBytes) this.cut(slot, lookedUp, 'bytes');
    }

    for (let index = 0; index < lines.length; index++) {
      if (found[index] === REPEATED) continue;
      // After a cut the open window holds only earlier lines of this event,
      // which all differ from this one, so the line is new there.
      const existing = slot.open === lookedUp ? found[index]! : -1;
      this.place(slot, key, lines[index]!, lineBytes[index]!, existing, owner);
    }
  }

  /** Places one line, cutting the open window first when the line does not fit. */
  add(key: WindowKey, line: string, owner: RecordRef): void {
    const slot = this.slotFor(key);
    this.place(slot, key, line, Buffer.byteLength(line), slot.open ? slot.open.indexOf(line) : -1, owner);
  }

  /** Cuts every open window, for shutdown or a rebalance. */
  flushAll(trigger: FlushTrigger): void {
    for (const slot of this.slots.values()) {
      if (slot.open) this.cut(slot, slot.open, trigger);
    }
  }

  openWindows(): Window[] {
    const open: Window[] = [];
    for (const slot of this.slots.values()) if (slot.open) open.push(slot.open);
    return open;
  }

  /** `existing` is the line's index in the open window, or -1. */
  private place(slot: Slot, key: WindowKey, line: string, lineBytes: number, existing: number, owner: RecordRef): void {
    const { policy } = this;
    let window = slot.open;

    if (window && existing < 0) {
      if (window.lines.length + 1 > policy.maxLines) {
        this.cut(slot, window, 'lines');
        window = undefined;
      } else if (window.bytes + lineBytes + 1 > policy.maxBytes) {
        this.cut(slot, window, 'bytes');
        window = undefined;
      }
    }

    if (!window) {
      window = new Window(key, this.now());
      slot.open = window;
      const opened = window;
      const timer = setTimeout(() => this.cut(slot, opened, 'age'), policy.maxAgeMs);
      this.timers.set(window, timer);
      existing = -1;
    }

    window.place(line, lineBytes, owner, existing);

    // Cut as soon as a limit is reached so a full window never waits for the next line.
    if (window.lines.length >= policy.maxLines) {
      this.cut(slot, window, 'lines');
    } else if (window.bytes >= policy.maxBytes) {
      this.cut(slot, window, 'bytes');
    }
  }

  private slotFor(key: WindowKey): Slot {
    if (key === this.lastKey) return this.lastSlot!;

    const keyId = windowKeyId(key);
    let slot = this.slots.get(keyId);
    if (!slot) {
      slot = { keyId, open: undefined };
      this.slots.set(keyId, slot);
    }
    this.lastKey = key;
    this.lastSlot = slot;
    return slot;
  }

  private cut(slot: Slot, window: Window, trigger: FlushTrigger): void {
    if (slot.open !== window) return;

    slot.open = undefined;
    const timer = this.timers.get(window);
    if (timer) clearTimeout(timer);
    this.timers.delete(window);
    window.trigger = trigger;
    this.onCut(window);
  }
}

/** Marks a line that already appeared earlier in the same event. */
const REPEATED = -2;
