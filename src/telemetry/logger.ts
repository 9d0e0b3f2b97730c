import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

// Paths that could carry a secret or personal data if a caller ever logged a
// whole object. Messages are constant and values go in fields, so these are a
// second line of defence, not the main one.
const redactedPaths = [
  'token',
  'apiToken',
  'authorization',
  'headers.authorization',
  'config.api.token',
  'api.token',
  'email',
  'identifier',
  'identifiers',
  'line',
  'lines',
  'body',
];

/** Creates the root logger; components take a child with `{ component }`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'mediarithmics-deletion-connector' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Standard error as a log destination, for commands whose standard output is a report. */
export function standardError(): DestinationStream {
  return pino.destination({ fd: 2, sync: true });
}
