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

  /** Places one line; the caller seals the record after its last line. */
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
