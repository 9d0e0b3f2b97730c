// Test helpers for the real broker: the suite runner starts one and passes its
// address in KAFKA_TEST_BROKERS; a test file run on its own starts its own.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Kafka, logLevel, type Admin, type Producer, type Message } from 'kafkajs';
import { startBroker } from '../../scripts/kafka/broker.ts';

let brokersPromise: Promise<string> | undefined;

export function testBrokers(): Promise<string> {
  if (process.env.KAFKA_TEST_BROKERS) return Promise.resolve(process.env.KAFKA_TEST_BROKERS);
  if (!brokersPromise) {
    brokersPromise = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kafka-test-'));
      const broker = await startBroker({ dir });
      after(async () => {
        await broker.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      return broker.bootstrap;
    })();
  }
  return brokersPromise;
}

export async function kafkaClient(): Promise<Kafka> {
  return new Kafka({ clientId: 'test-support', brokers: [await testBrokers()], logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = (await kafkaClient()).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer: Producer = (await kafkaClient()).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 500) {
      await producer.send({ topic, messages: messages.slice(start, start + 500), acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** End offset (next offset to be written) of each partition. */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]));
  });
}

/** Committed offset of each partition for the group, read back from the broker (-1 when none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  return withAdmin(async (admin) => {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((entry) => [entry.partition, BigInt(entry.offset)]));
  });
}

export async function waitFor<T>(description: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${last ? ` (last error: ${String(last)})` : ''}`);
}

export async function offsetsReachEnd(groupId: string, topic: string): Promise<boolean> {
  const [ends, committed] = await Promise.all([endOffsets(topic), committedOffsets(groupId, topic)]);
  for (const [partition, end] of ends) {
    if (end === 0n) continue;
    if ((committed.get(partition) ?? -1n) !== end) return false;
  }
  return true;
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads every record of a topic from the beginning until `count` arrived (or the timeout). */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const consumer = (await kafkaClient()).consumer({ groupId: uniqueName('reader') });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
        }
        records.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
      },
    });
    await waitFor(`${count} records on ${topic}`, () => records.length >= count, timeoutMs, 100);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
