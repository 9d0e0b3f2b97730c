import type { Logger } from '../telemetry/logger.ts';

const barWidth = 30;

/**
 * Shows how far a bounded run got: a redrawn bar with rate and ETA on a
 * terminal, or a log line every `intervalMs` otherwise (a pod's log).
 */
export class ProgressReporter {
  private readonly total: bigint;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private readonly read: () => bigint;
  private readonly tty = process.stderr.isTTY === true;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  constructor(total: bigint, intervalMs: number, logger: Logger, read: () => bigint) {
    this.total = total;
    this.intervalMs = intervalMs;
    this.logger = logger;
    this.read = read;
  }

  start(): void {
    this.started = Date.now();
    this.timer = setInterval(() => this.report(), this.tty ? 500 : this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.report();
    if (this.tty) process.stderr.write('\n');
  }

  private report(): void {
    const done = this.read();
    const elapsedS = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = Number(done) / elapsedS;
    const remaining = this.total > done ? Number(this.total - done) : 0;
    const etaS = rate > 0 ? remaining / rate : undefined;
    const fraction = this.total > 0n ? Number(done) / Number(this.total) : 1;

    if (this.tty) {
      const filled = Math.round(Math.min(1, fraction) * barWidth);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}`;
      const eta = etaS === undefined ? '?' : `${Math.ceil(etaS)} s`;
      process.stderr.write(`\r[${bar}] ${(fraction * 100).toFixed(1)}% ${done}/${this.total} records, ${rate.toFixed(0)}/s, ETA ${eta}   `);
      return;
    }
    this.logger.info(
      { records: Number(done), total: Number(this.total), percent: Number((fraction * 100).toFixed(1)), ratePerSecond: Math.round(rate), etaSeconds: etaS === undefined ? null : Math.ceil(etaS) },
      'bounded run progress',
    );
  }
}
