import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/**
 * Tracks whether the API currently refuses the token (401/403). While it does,
 * the pipeline pauses consumption and readiness fails. The refusal is logged
 * once when it starts, then at most once per `repeatLogMs`, and once on recovery.
 */
export class AuthGate {
  private refusedSince: number | undefined;
  private lastLogged = 0;
  private readonly logger: Logger;
  private readonly counters: Metrics;
  private readonly repeatLogMs: number;
  private readonly listeners = new Set<(refused: boolean) => void>();

  constructor(logger: Logger, counters: Metrics, repeatLogMs = 60_000) {
    this.logger = logger;
    this.counters = counters;
    this.repeatLogMs = repeatLogMs;
  }

  get refused(): boolean {
    return this.refusedSince !== undefined;
  }

  onChange(listener: (refused: boolean) => void): void {
    this.listeners.add(listener);
  }

  reportRefused(status: number): void {
    this.counters.increment('api_auth_refusals_total', { status: String(status) });
    const now = Date.now();
    if (this.refusedSince === undefined) {
      this.refusedSince = now;
      this.lastLogged = now;
      this.logger.error({ status }, 'mediarithmics API rejected the token; consumption paused until it is accepted');
      for (const listener of this.listeners) listener(true);
      return;
    }
    if (now - this.lastLogged >= this.repeatLogMs) {
      this.lastLogged = now;
      this.logger.error({ status, refusedForMs: now - this.refusedSince }, 'mediarithmics API still rejects the token');
    }
  }

  reportAccepted(): void {
    if (this.refusedSince === undefined) return;
    this.logger.info({ refusedForMs: Date.now() - this.refusedSince }, 'mediarithmics API accepts the token again; consumption resumes');
    this.refusedSince = undefined;
    for (const listener of this.listeners) listener(false);
  }
}
