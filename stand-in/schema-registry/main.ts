import { parseArgs } from 'node:util';

import { pino } from 'pino';

import { startSchemaRegistry } from './server.ts';
import type { RecordedRequest, SchemaRegistryOptions } from './server.ts';

const USAGE = `Usage: node stand-in/schema-registry/main.ts [options]

Runs the local stand-in for a Confluent-compatible Schema Registry.

Options:
  --port <number>   TCP port to listen on. 0 picks a free port. Default: 8081.
  --host <address>  Address to bind. Default: 127.0.0.1.
  --help            Print this help.

Environment:
  SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, when both are set, make every API
  request require these HTTP Basic credentials. They are read from the environment so that
  they stay out of the process list.`;

class UsageError extends Error {
  override name = 'UsageError';
}

function parseOptions(argv: string[]): SchemaRegistryOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: '8081' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    return 'help';
  }

  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, received "${values.port}"`);
  }
  const options: SchemaRegistryOptions = { host: values.host, port: Number(values.port) };

  const username = process.env['SCHEMA_REGISTRY_USERNAME'];
  const password = process.env['SCHEMA_REGISTRY_PASSWORD'];
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('Set both SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, or neither');
  }
  if (username !== undefined && password !== undefined) {
    options.auth = { username, password };
  }
  return options;
}

async function main(): Promise<void> {
  let options: SchemaRegistryOptions | 'help';
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

  let registry;
  try {
    registry = await startSchemaRegistry(options);
  } catch (error) {
    logger.error({ err: error, host: options.host, port: options.port }, 'Schema Registry stand-in failed to start');
    process.exitCode = 1;
    return;
  }
  logger.info({ url: registry.url }, `Schema Registry stand-in listening on ${registry.url}`);

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'Schema Registry stand-in stopping');
    registry.close().then(
      () => logger.info('Schema Registry stand-in stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'Schema Registry stand-in failed to stop cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
