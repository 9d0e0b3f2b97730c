import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { startStandIn } from './server.ts';
import type { RecordedRequest, StandIn, StandInOptions } from './server.ts';

const USAGE = `Usage: node stand-in/mediarithmics/main.ts [options]

Runs the local stand-in for the mediarithmics document import API.

Options:
  --port <number>          TCP port to listen on. 0 picks a free port. Default: 8080.
  --host <address>         Address to bind. Default: 127.0.0.1.
  --token <token>          API token that requests must send in the Authorization header.
                           Default: the MEDIARITHMICS_API_TOKEN environment variable, which
                           keeps the token out of the process list.
  --known-datamarts <ids>  Comma-separated datamart ids that exist. Default: every all-digit id.
  --max-body-bytes <n>     Maximum request body size in bytes. Default: 104857600 (100 MiB).
  --pending-ms <n>         Milliseconds an execution stays PENDING. Give it with --running-ms to
                           switch from list-driven to time-based progress.
  --running-ms <n>         Milliseconds an execution stays RUNNING.
  --help                   Print this help.`;

class UsageError extends Error {
  override name = 'UsageError';
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, received "${value}"`);
  }
  return Number(value);
}

function parseOptions(argv: string[]): StandInOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      'known-datamarts': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'pending-ms': { type: 'string' },
      'running-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    return 'help';
  }

  const token = values.token ?? process.env['MEDIARITHMICS_API_TOKEN'];
  if (token === undefined || token === '') {
    throw new UsageError('API token is missing. Set MEDIARITHMICS_API_TOKEN or pass --token');
  }
  const options: StandInOptions = {
    token,
    host: values.host,
    port: parseInteger('port', values.port, 0, 65535),
  };
  if (values['known-datamarts'] !== undefined) {
    options.knownDatamarts = values['known-datamarts'].split(',').map((id) => id.trim()).filter((id) => id !== '');
  }
  if (values['max-body-bytes'] !== undefined) {
    options.maxBodyBytes = parseInteger('max-body-bytes', values['max-body-bytes'], 1, Number.MAX_SAFE_INTEGER);
  }

  const pendingMs = values['pending-ms'];
  const runningMs = values['running-ms'];
  if ((pendingMs === undefined) !== (runningMs === undefined)) {
    throw new UsageError('--pending-ms and --running-ms must be given together');
  }
  if (pendingMs !== undefined && runningMs !== undefined) {
    options.executionTimings = {
      pendingMs: parseInteger('pending-ms', pendingMs, 0, Number.MAX_SAFE_INTEGER),
      runningMs: parseInteger('running-ms', runningMs, 0, Number.MAX_SAFE_INTEGER),
    };
  }
  return options;
}

async function main(): Promise<void> {
  let options: StandInOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const logger = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime });
  options.onRequest = (request: RecordedRequest) => {
    const level = request.error !== undefined || (request.status ?? 0) >= 500 ? 'warn' : 'info';
    logger[level](request, 'Request handled');
  };

  // Signal handlers go in before the server starts, because a signal that arrives before
  // they exist kills the process with the default action instead of stopping it cleanly.
  let standIn: StandIn | undefined;
  let pendingSignal: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (standIn === undefined) {
      pendingSignal = signal;
      return;
    }
    logger.info({ signal }, 'Stand-in stopping');
    standIn.close().then(
      () => logger.info('Stand-in stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'Stand-in failed to stop cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    standIn = await startStandIn(options);
  } catch (error) {
    logger.error({ err: error, host: options.host, port: options.port }, 'Stand-in failed to start');
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.exitCode = 1;
    return;
  }
  logger.info({ url: standIn.url }, `Stand-in listening on ${standIn.url}`);
  if (pendingSignal !== undefined) {
    stop(pendingSignal);
  }
}

await main();
