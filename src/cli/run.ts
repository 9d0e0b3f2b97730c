import type { Config } from '../config/load.ts';
import { startConnector, type RunningConnector } from '../connector.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { healthState, startHttpServer } from '../telemetry/http-server.ts';
import type { Logger } from '../telemetry/logger.ts';

/** Runs the long-lived connector until SIGTERM or SIGINT, then drains; returns the exit code. */
export async function runLongLived(config: Config, logger: Logger): Promise<number> {
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

  const metrics = new Metrics({ logger: logger.child({ component: 'metrics' }) });
  let connector: RunningConnector | undefined;
  const server =
    config.http.port > 0
      ? await startHttpServer({
          host: config.http.host,
          port: config.http.port,
          metrics,
          // Until the connector has started, the process is alive but not ready.
          health: () => connector?.health() ?? healthState({ group_joined: false, api_authorised: true, not_draining: true }),
          logger: logger.child({ component: 'http' }),
        })
      : undefined;
  if (server) logger.info({ host: config.http.host, port: server.port }, 'health and metrics server listening');

  // Signal handlers go in before the consumer starts, so a SIGTERM during the
  // group join still leads to a clean stop instead of Node's default exit.
  let finish: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let stopping = false;
  let drain: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal received; exiting without waiting for the drain');
      finish(130);
      return;
    }
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutdown requested; draining');
    drain?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  connector = await startConnector(config, logger, metrics);
  const running = connector;
  drain = (): void => {
    void running.stop(config.shutdownTimeoutMs).then(async (result) => {
      if (!result.clean) logger.error({ uncommitted: result.uncommitted }, 'shutdown left records uncommitted; they are read again after restart');
      await server?.close();
      finish(result.clean ? 0 : 1);
    });
  };
  if (stopping) drain();
  void running.fatal.then(() => finish(1));

  return exitCode;
}
