#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/load.ts';
import { startConnector } from '../connector.ts';
import { createLogger } from '../telemetry/logger.ts';

/** Runs the long-lived connector until SIGTERM or SIGINT, then drains and exits. */
async function run(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  logger.info(
    {
      brokers: config.kafka.brokers,
      topics: config.kafka.topics,
      groupId: config.kafka.groupId,
      apiUrl: config.api.url,
      datamartId: config.api.datamartId,
      window: config.window,
    },
    'connector starting',
  );

  const connector = await startConnector(config, logger);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal received; exiting without waiting for the drain');
        resolve(130);
        return;
      }
      stopping = true;
      logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutdown requested; draining');
      void connector.stop(config.shutdownTimeoutMs).then((result) => {
        if (!result.clean) logger.error({ uncommitted: result.uncommitted }, 'shutdown left records uncommitted; they are read again after restart');
        resolve(result.clean ? 0 : 1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);

    void connector.fatal.then(() => resolve(1));
  });
}

run().then(
  (code) => {
    process.exitCode = code;
    // kafkajs and undici may keep timers alive after a forced exit path.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`Fatal: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
