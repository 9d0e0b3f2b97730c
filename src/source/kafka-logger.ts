import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';

/** Routes kafkajs' own log entries into the pino logger of the source component. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, ...fields } = log;
    const context = { kafkajs: namespace, ...fields };
    switch (level) {
      case logLevel.ERROR:
        logger.error(context, message);
        break;
      case logLevel.WARN:
        logger.warn(context, message);
        break;
      case logLevel.INFO:
        logger.info(context, message);
        break;
      default:
        logger.debug(context, message);
    }
  };
}
