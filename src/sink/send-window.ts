import { backoffDelay, sleep, type BackoffPolicy } from './backoff.ts';
import { classifyError } from './classify.ts';
import type { MediarithmicsClient } from './client.ts';
import type { DocumentImportResolver } from './document-imports.ts';
import { MediarithmicsApiError } from './errors.ts';
import type { AuthGate } from './auth-gate.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { requestOutcome } from '../telemetry/outcomes.ts';
import type { RecordRef, Window } from '../window/window.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/** Events whose lines the API refused for good; they go to the dead-letter path. */
export interface RejectedLines {
  owners: RecordRef[];
  reason: 'api_rejected_line' | 'api_line_too_large' | 'api_rejected_request' | 'document_import_unavailable';
  status: number | undefined;
  message: string;
}

export interface DeliveredExecution {
  id: string;
  /** Indexes into the window's lines that this execution carried. */
  indexes: number[];
  /** Epoch ms at which the API accepted the execution. */
  acceptedAt: number;
}

export interface DeliveryReport {
  importId: string | undefined;
  executions: DeliveredExecution[];
  linesDelivered: number;
  rejected: RejectedLines[];
}

export interface SenderOptions {
  backoff: BackoffPolicy;
  authRetryDelayMs: number;
}

/**
 * Sends one window as one execution (or several, when the API rejects it and
 * it must be split): resolve the import, POST, classify, retry or split. It
 * returns only when every line is delivered or rejected for good, or throws the
 * abort reason when the signal fires.
 */
export class WindowSender {
  private readonly client: MediarithmicsClient;
  private readonly imports: DocumentImportResolver;
  private readonly auth: AuthGate;
  private readonly limiter: RateLimiter;
  private readonly options: SenderOptions;
  private readonly logger: Logger;
  private readonly counters: Metrics;

  constructor(
    client: MediarithmicsClient,
    imports: DocumentImportResolver,
    auth: AuthGate,
    limiter: RateLimiter,
    options: SenderOptions,
    logger: Logger,
    counters: Metrics,
  ) {
    this.client = client;
    this.imports = imports;
    this.auth = auth;
    this.limiter = limiter;
    this.options = options;
    this.logger = logger;
    this.counters = counters;
  }

  async send(window: Window, signal: AbortSignal): Promise<DeliveryReport> {
    const report: DeliveryReport = { importId: undefined, executions: [], linesDelivered: 0, rejected: [] };

    // A known import costs no request, so it takes no rate-limit slot.
    const importId = await this.withRetries(window, 'resolve_import', signal, () => this.imports.resolve(window.key), !this.imports.isKnown(window.key));
    if (isRefusal(importId)) {
      report.rejected.push({ owners: [...window.refs()], reason: 'document_import_unavailable', status: importId.status, message: importId.message });
      return report;
    }
    report.importId = importId;

    const all = window.lines.map((_, index) => index);
    await this.sendLines(window, importId, all, signal, report);
    return report;
  }

  private async sendLines(window: Window, importId: string, indexes: number[], signal: AbortSignal, report: DeliveryReport): Promise<void> {
    const body = indexes.length === window.lines.length ? window.body() : indexes.map((index) => window.lines[index]).join('\n') + '\n';
    const outcome = await this.withRetries(window, 'post_execution', signal, () => this.timedPost(window.key.datamartId, importId, body, signal));

    if (!isRefusal(outcome)) {
      report.executions.push({ id: outcome.id, indexes, acceptedAt: Date.now() });
      report.linesDelivered += indexes.length;
      return;
    }

    const failure = outcome;
    if (failure.action === 'split' && indexes.length > 1) {
      this.counters.increment('window_splits_total', { status: String(failure.status) });
      for (const part of splitIndexes(indexes, failure.invalidLines)) {
        await this.sendLines(window, importId, part, signal, report);
      }
      return;
    }

    const owners = uniqueOwners(indexes.map((index) => window.owners[index]!).flat());
    let reason: RejectedLines['reason'] = 'api_rejected_request';
    if (failure.action === 'split') reason = failure.status === 413 ? 'api_line_too_large' : 'api_rejected_line';
    report.rejected.push({ owners, reason, status: failure.status, message: failure.message });
  }

  /** POSTs one execution and records its latency and outcome. */
  private async timedPost(datamartId: string, importId: string, body: string, signal: AbortSignal) {
    const started = performance.now();
    let failure: unknown;
    try {
      return await this.client.createExecution(datamartId, importId, body, signal);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const outcome = requestOutcome(failure);
      if (outcome !== 'aborted') {
        this.counters.observe('execution_post_duration_seconds', { outcome }, (performance.now() - started) / 1000);
        this.counters.increment('execution_posts_total', { status_class: outcome });
      }
    }
  }

  /**
   * Runs `call` until it succeeds, retrying transient failures with backoff and
   * auth refusals on the slow schedule. Returns a Refusal for outcomes that no
   * retry can fix (the caller splits or dead-letters).
   */
  private async withRetries<T>(window: Window, operation: string, signal: AbortSignal, call: () => Promise<T>, limited = true): Promise<T | Refusal> {
    let lastFailure = '';
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (limited) await this.limiter.take(signal);
        const result = await call();
        this.auth.reportAccepted();
        return result;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const action = classifyError(error);
        const apiError = error as MediarithmicsApiError;

        if (action.kind === 'wait_for_auth') {
          this.auth.reportRefused(apiError.status ?? 401);
          await sleep(this.options.authRetryDelayMs, signal);
          continue;
        }
        if (action.kind === 'retry') {
          const delayMs = backoffDelay(this.options.backoff, attempt, action.retryAfterMs);
          this.counters.increment('api_retries_total', { operation, code: apiError.code });
          // Log the first attempts, every change of failure and then every tenth
          // attempt, so a long outage stays readable.
          const failure = `${apiError.code}/${apiError.status ?? ''}`;
          if (attempt < 3 || attempt % 10 === 0 || failure !== lastFailure) {
            this.logger.warn(
              { windowId: window.id, operation, attempt: attempt + 1, code: apiError.code, status: apiError.status, delayMs, err: { message: apiError.message } },
              'mediarithmics API call failed; retrying',
            );
          }
          lastFailure = failure;
          await sleep(delayMs, signal);
          continue;
        }
        return { refused: true, action: action.kind === 'split' ? 'split' : 'reject', status: apiError.status, message: apiError.message, invalidLines: apiError.invalidLines };
      }
    }
  }
}

interface Refusal {
  refused: true;
  action: 'split' | 'reject';
  status: number | undefined;
  message: string;
  invalidLines: number[] | undefined;
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as Refusal).refused === true;
}

/**
 * Splits a rejected body. When the API named the invalid lines (1-based within
 * the body), each is isolated and the rest is sent together. Otherwise the
 * body is halved.
 */
export function splitIndexes(indexes: number[], invalidLines: number[] | undefined): number[][] {
  const named = (invalidLines ?? []).filter((line) => line >= 1 && line <= indexes.length);
  if (named.length > 0 && named.length < indexes.length) {
    const bad = new Set(named.map((line) => line - 1));
    const good = indexes.filter((_, position) => !bad.has(position));
    return [good, ...[...bad].sort((a, b) => a - b).map((position) => [indexes[position]!])];
  }
  const middle = Math.ceil(indexes.length / 2);
  return [indexes.slice(0, middle), indexes.slice(middle)];
}

function uniqueOwners(owners: RecordRef[]): RecordRef[] {
  return [...new Map(owners.map((owner) => [owner.entry, owner])).values()];
}
