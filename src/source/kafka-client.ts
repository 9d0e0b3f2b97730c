import { Kafka, logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-logger.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
}

/** One kafkajs client for the consumer and the producers (dead letters, receipts). */
export function createKafkaClient(options: KafkaClientOptions, logger: Logger): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    // Keep reconnecting for about 5 minutes before kafkajs gives up and the process restarts.
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 12 },
  });
}
