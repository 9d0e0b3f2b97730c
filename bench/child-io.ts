// Output helpers shared by the child processes that bench/run.ts starts.

/** Writes one JSON line on stdout, which the harness reads as a progress report. */
export function reportToHarness(report: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/**
 * Drops the TimeoutNegativeWarning that kafkajs 2.2.4 triggers on Node.js 24,
 * as the connector's CLI does. Node clamps the delay to 1 ms, so the warning is
 * harmless. Other warnings still go to stderr.
 */
export function ignoreNegativeTimeoutWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}
