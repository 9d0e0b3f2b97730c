#!/usr/bin/env -S node --max-semi-space-size=4
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/load.ts';
import { createLogger, standardError, type Logger } from '../telemetry/logger.ts';
import { ArgumentError, runBoundedRange, type RangeEnd, type RangeStart } from './bounded-run.ts';
import { checkConfig } from './check-config.ts';
import { ConfigFileError, readConfigFile } from './config-file.ts';
import { checkConfigHelp, dryRunHelp, mainHelp, replayHelp, runHelp } from './help.ts';
import { runLongLived } from './run.ts';

// kafkajs 2.2.4 schedules a timer with a negative delay on Node.js 24, which
// prints a TimeoutNegativeWarning on stderr; Node clamps it to 1 ms, so it is
// harmless. Other warnings still go to stderr.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const commands = {
  run: runHelp,
  replay: replayHelp,
  'dry-run': dryRunHelp,
  'check-config': checkConfigHelp,
} as const;
type Command = keyof typeof commands;

const rfc3339WithOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function parseStart(option: string, value: string): RangeStart {
  if (value === 'earliest') return { kind: 'earliest' };
  return { kind: 'time', ms: parseTime(option, value) };
}

function parseEnd(value: string | undefined): RangeEnd {
  if (value === undefined || value === 'now') return { kind: 'now' };
  return { kind: 'time', ms: parseTime('--to', value) };
}

function parseTime(option: string, value: string): number {
  const ms = Date.parse(value);
  if (!rfc3339WithOffset.test(value) || Number.isNaN(ms)) {
    throw new ArgumentError(`${option} ${JSON.stringify(value)} is not an RFC 3339 time with an offset. Example: ${option} 2026-11-01T00:00:00Z${option === '--from' ? ' (or earliest)' : ' (or now)'}`);
  }
  return ms;
}

function parseTopics(value: string | undefined, config: Config): string[] {
  if (value === undefined) return config.kafka.topics;
  const topics = value.split(',').map((topic) => topic.trim()).filter((topic) => topic.length > 0);
  if (topics.length === 0) throw new ArgumentError('--topics is empty. Example: --topics consent-events');
  return topics;
}

function parseInterval(value: string | undefined): number {
  if (value === undefined) return 10_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ArgumentError(`--progress-interval ${JSON.stringify(value)} must be a positive number of seconds. Example: --progress-interval 10`);
  return seconds * 1000;
}

function defaultOutputDir(): string {
  return `dry-run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Loads the configuration from the optional --config file under the environment. */
function configuration(configFile: string | undefined): Config {
  const fromFile = configFile ? readConfigFile(configFile) : {};
  return loadConfig({ ...fromFile, ...process.env });
}

async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  const command: Command = first !== undefined && first in commands ? (first as Command) : 'run';
  const rest = first !== undefined && first in commands ? argv.slice(1) : argv;
  if (first !== undefined && !first.startsWith('-') && !(first in commands)) {
    process.stderr.write(`Unknown command ${JSON.stringify(first)}.\n\n${mainHelp}`);
    return 2;
  }

  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string' },
      ...(command === 'replay' || command === 'dry-run'
        ? {
            from: { type: 'string' },
            to: { type: 'string' },
            topics: { type: 'string' },
            'output-dir': { type: 'string' },
            'progress-interval': { type: 'string' },
          }
        : {}),
      ...(command === 'replay' ? { group: { type: 'string' }, 'dry-run': { type: 'boolean' } } : {}),
      ...(command === 'check-config' ? { timeout: { type: 'string' } } : {}),
    },
  });
  const option = (name: string): string | undefined => (values as Record<string, string | boolean | undefined>)[name] as string | undefined;

  if (values.help) {
    process.stdout.write(first === undefined || first.startsWith('-') ? mainHelp : commands[command]);
    return 0;
  }

  const config = configuration(option('config'));
  // check-config prints its report on standard output, so its logs go to standard error.
  const logger = command === 'check-config' ? createLogger(config.logLevel, standardError()) : createLogger(config.logLevel);

  switch (command) {
    case 'run':
      return runLongLived(config, logger);

    case 'check-config': {
      const timeout = option('timeout') === undefined ? 10_000 : Number(option('timeout'));
      if (!Number.isInteger(timeout) || timeout <= 0) throw new ArgumentError('--timeout must be a positive number of milliseconds. Example: --timeout 10000');
      return checkConfig(config, logger, timeout);
    }

    case 'replay':
    case 'dry-run':
      return boundedRun(command, config, logger, option, values as Record<string, unknown>);
  }
}

async function boundedRun(command: 'replay' | 'dry-run', config: Config, logger: Logger, option: (name: string) => string | undefined, values: Record<string, unknown>): Promise<number> {
  const fromText = option('from');
  if (command === 'replay' && fromText === undefined) throw new ArgumentError('replay needs --from <RFC 3339 time | earliest>. Example: --from 2026-11-01T00:00:00Z');
  const from: RangeStart = fromText === undefined ? { kind: 'committed' } : parseStart('--from', fromText);
  const to = parseEnd(option('to'));
  if (to.kind === 'time' && from.kind === 'time' && to.ms <= from.ms) {
    throw new ArgumentError(`--to ${option('to')} is not after --from ${fromText}. Example: --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z`);
  }

  const dryRun = command === 'dry-run' || values['dry-run'] === true;
  const liveGroup = config.kafka.groupId;
  const groupId =
    command === 'dry-run' ? `${liveGroup}-dry-run-${Date.now().toString(36)}` : (option('group') ?? `${liveGroup}-replay`);
  if (groupId === liveGroup) throw new ArgumentError(`--group ${groupId} is the live consumer group (KAFKA_GROUP_ID); a replay needs its own. Example: --group ${liveGroup}-replay`);

  return runBoundedRange(config, logger, {
    mode: dryRun ? 'dry-run' : 'replay',
    from,
    to,
    topics: parseTopics(option('topics'), config),
    groupId,
    dryRunDir: dryRun ? (option('output-dir') ?? defaultOutputDir()) : undefined,
    progressIntervalMs: parseInterval(option('progress-interval')),
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // kafkajs and undici may keep timers alive after the work is done.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof ConfigFileError || error instanceof ArgumentError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}. See --help.\n`);
      process.exit(2);
    }
    process.stderr.write(`Fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
