import type { IHeaders } from 'kafkajs';

/** A Kafka record as the pipeline keeps it: enough to settle it and to dead-letter it intact. */
export interface SourceRecord {
  topic: string;
  partition: number;
  /** Offset as Kafka prints it (a decimal string). */
  offset: string;
  /** Broker or producer timestamp in epoch ms, as a decimal string. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}
