interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  describe: () => string;
  timer: NodeJS.Timeout;
}

/** Promises that resolve once a condition on recorded traffic holds, re-checked after each change. */
export class Waiters {
  private waiters = new Set<Waiter>();
  private closedReason: string | undefined;

  /**
   * Resolves when `check` returns true, checking now and after every `notify()`. Rejects
   * after `timeoutMs` or when the waiters are closed, with `describe()` in the message.
   */
  wait(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) {
      return Promise.resolve();
    }
    if (this.closedReason !== undefined) {
      return Promise.reject(new Error(`Stopped waiting for ${describe()}: ${this.closedReason}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve,
        reject,
        describe,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  notify(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Rejects every pending wait and every later one with `reason`. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`Stopped waiting for ${waiter.describe()}: ${reason}`));
    }
    this.waiters.clear();
  }
}
