import { Window, windowKeyId, type FlushTrigger, type RecordRef, type WindowKey } from './window.ts';

export interface WindowPolicy {
  maxLines: number;
  /** Maximum body bytes, newlines included. */
  maxBytes: number;
  maxAgeMs: number;
}

/**
 * Keeps one open window per destination and cuts it when the next line would
 * not fit, when it reaches a limit, or when it grows old. Each cut window goes
 * to `onCut` with the trigger that cut it.
 */
export class Windower {
  private readonly open = new Map<string, Window>();
  private readonly timers = new Map<Window, NodeJS.Timeout>();
  private readonly policy: WindowPolicy;
  private readonly onCut: (window: Window) => void;
  private readonly now: () => number;

  constructor(policy: WindowPolicy, onCut: (window: Window) => void, now: () => number = Date.now) {
    this.policy = policy;
    this.onCut = onCut;
    this.now = now;
  }

  /**
   * Places the lines of one event. They go into one window when they fit
   * together, so an event normally becomes part of a single execution; the
   * open window is cut first when they do not. Only an event larger than a
   * whole window is spread over several. The caller seals the record after.
   */
  addEvent(key: WindowKey, lines: readonly string[], owner: RecordRef): void {
    const keyId = windowKeyId(key);
    const open = this.open.get(keyId);
    if (open && open.lines.length > 0) {
      let newLines = 0;
      let newBytes = 0;
      for (const line of lines) {
        if (open.has(line)) continue;
        newLines += 1;
        newBytes += Buffer.byteLength(line) + 1;
      }
      const fitsInEmpty = newLines <= this.policy.maxLines && newBytes <= this.policy.maxBytes;
      if (fitsInEmpty && open.lines.length + newLines > this.policy.maxLines) this.cut(keyId, open, 'lines');
      else if (fitsInEmpty && open.bytes + newBytes > this.policy.maxBytes) this.cut(keyId, open, 'bytes');
    }

    for (const line of lines) this.add(key, line, owner);
  }

  /** Places one line, cutting the open window first when the line does not fit. */
  add(key: WindowKey, line: string, owner: RecordRef): void {
    const lineBytes = Buffer.byteLength(line);
    const keyId = windowKeyId(key);
    let window = this.open.get(keyId);

    if (window && !window.has(line)) {
      if (window.lines.length + 1 > this.policy.maxLines) {
        this.cut(keyId, window, 'lines');
        window = undefined;
      } else if (window.bytes + lineBytes + 1 > this.policy.maxBytes) {
        this.cut(keyId, window, 'bytes');
        window = undefined;
      }
    }

    if (!window) {
      window = new Window(key, this.now());
      this.open.set(keyId, window);
      const opened = window;
      const timer = setTimeout(() => this.cut(keyId, opened, 'age'), this.policy.maxAgeMs);
      this.timers.set(window, timer);
    }

    window.add(line, lineBytes, owner);

    // Cut as soon as a limit is reached so a full window never waits for the next line.
    if (window.lines.length >= this.policy.maxLines) {
      this.cut(keyId, window, 'lines');
    } else if (window.bytes >= this.policy.maxBytes) {
      this.cut(keyId, window, 'bytes');
    }
  }

  /** Cuts every open window, for shutdown or a rebalance. */
  flushAll(trigger: FlushTrigger): void {
    for (const [keyId, window] of [...this.open]) this.cut(keyId, window, trigger);
  }

  openWindows(): Window[] {
    return [...this.open.values()];
  }

  private cut(keyId: string, window: Window, trigger: FlushTrigger): void {
    if (this.open.get(keyId) !== window) return;

    this.open.delete(keyId);
    const timer = this.timers.get(window);
    if (timer) clearTimeout(timer);
    this.timers.delete(window);
    window.trigger = trigger;
    this.onCut(window);
  }
}
