import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { kafkaLogCreator } from './kafka-logger.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: { ca: string | undefined; cert: string | undefined; key: string | undefined; rejectUnauthorized: boolean } | undefined;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
}

/** Creates the one kafkajs client shared by the consumer and the producers (dead letters, receipts). */
export function createKafkaClient(options: KafkaClientOptions, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    // Keep reconnecting for about 5 minutes before kafkajs gives up and the process restarts.
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: 12 },
  };
  if (options.ssl) {
    const { ca, cert, key, rejectUnauthorized } = options.ssl;
    config.ssl = { rejectUnauthorized, ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  }
  if (options.sasl) {
    const { mechanism, username, password } = options.sasl;
    config.sasl = mechanism === 'plain' ? { mechanism, username, password } : mechanism === 'scram-sha-256' ? { mechanism, username, password } : { mechanism, username, password };
  }
  return new Kafka(config);
}
