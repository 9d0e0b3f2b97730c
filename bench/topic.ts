// Creates and fills the backlog topic, or reuses it when a previous run left a
// complete one. The topic name encodes the event count, the partition count
// and the event mix version, and a manifest next to the broker data records
// what was produced.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka, Message } from 'kafkajs';
import { addToSummary, benchEvent, emptySummary, EVENT_MIX_VERSION, type MixSummary } from './events.ts';

export interface TopicManifest {
  topic: string;
  partitions: number;
  mixVersion: number;
  summary: MixSummary;
  /** Time spent producing, in seconds; 0 when the topic was reused. */
  produceSeconds: number;
  loadedAt: string;
}

/**
 * Records per partition in one produce request. A partition's records form
 * one record batch, which the broker rejects above message.max.bytes (1 MiB by
 * default); 1,500 events of about 450 bytes stay well under it.
 */
const RECORDS_PER_PARTITION_PER_REQUEST = 1500;
const REQUESTS_IN_FLIGHT = 4;

export function backlogTopicName(events: number, partitions: number): string {
  return `bench-consent-v${EVENT_MIX_VERSION}-n${events}-p${partitions}`;
}

/** Returns the manifest of a complete topic of `events` records, producing it first when needed. */
export async function ensureBacklogTopic(
  kafka: Kafka,
  admin: Admin,
  options: { events: number; partitions: number; manifestDir: string; timeoutMs: number },
  log: (text: string) => void,
): Promise<TopicManifest> {
  const topic = backlogTopicName(options.events, options.partitions);
  const manifestPath = join(options.manifestDir, `${topic}.json`);
  const existing = await readTopicState(admin, topic);

  if (existing && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as TopicManifest;
    const complete = existing.partitions === options.partitions && existing.records === options.events && existing.startsAtZero;
    if (complete && manifest.summary.events === options.events) {
      log(`reusing topic ${topic} (${options.events} records, loaded ${manifest.loadedAt})`);
      return { ...manifest, produceSeconds: 0 };
    }
  }

  if (existing) {
    log(`topic ${topic} is incomplete or has no manifest; deleting and loading it again`);
    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    await waitUntilGone(admin, topic);
  }
  await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }], waitForLeaders: true });

  log(`producing ${options.events} events to ${topic}`);
  const started = performance.now();
  const summary = await produceEvents(kafka, topic, options.events, options.partitions, started + options.timeoutMs, log);
  const produceSeconds = (performance.now() - started) / 1000;

  const loaded = await readTopicState(admin, topic);
  if (!loaded || loaded.records !== options.events) {
    throw new Error(`topic ${topic} contains ${loaded?.records ?? 0} records after loading, expected ${options.events}`);
  }
  const manifest: TopicManifest = { topic, partitions: options.partitions, mixVersion: EVENT_MIX_VERSION, summary, produceSeconds, loadedAt: new Date().toISOString() };
  mkdirSync(options.manifestDir, { recursive: true });
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`produced ${options.events} events in ${produceSeconds.toFixed(1)} s (${Math.round(options.events / produceSeconds)} events/s)`);
  return manifest;
}

async function produceEvents(kafka: Kafka, topic: string, events: number, partitions: number, deadline: number, log: (text: string) => void): Promise<MixSummary> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const summary = emptySummary();
  const inFlight = new Set<Promise<unknown>>();
  const chunkSize = RECORDS_PER_PARTITION_PER_REQUEST * partitions;
  let nextProgress = performance.now() + 10_000;

  try {
    for (let start = 0; start < events; start += chunkSize) {
      if (performance.now() > deadline) throw new Error(`loading ${topic} timed out after ${start} of ${events} events`);

      const messages: Message[] = [];
      const end = Math.min(events, start + chunkSize);
      for (let index = start; index < end; index += 1) {
        const event = benchEvent(index);
        addToSummary(summary, event);
        messages.push({ key: event.key, value: event.value, partition: index % partitions });
      }

      const sent = producer.send({ topic, messages, acks: 1 });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent)).catch(() => undefined);
      if (inFlight.size >= REQUESTS_IN_FLIGHT) await Promise.race(inFlight);

      if (performance.now() > nextProgress) {
        log(`  ${end} of ${events} events produced`);
        nextProgress += 10_000;
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return summary;
}

interface TopicState {
  partitions: number;
  records: number;
  startsAtZero: boolean;
}

async function readTopicState(admin: Admin, topic: string): Promise<TopicState | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const offsets = await fetchOffsetsOnceLed(admin, topic);
  return {
    partitions: offsets.length,
    records: offsets.reduce((sum, entry) => sum + Number(entry.high) - Number(entry.low), 0),
    startsAtZero: offsets.every((entry) => entry.low === '0'),
  };
}

/**
 * Reads a topic's offsets, retrying for up to 60 s while its partitions have
 * no leader: a restarted broker serves metadata before it has loaded every
 * partition of a large log directory.
 */
async function fetchOffsetsOnceLed(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      // kafkajs reports the missing leader either as such or as retries exhausted, so any error is retried until the deadline.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function waitUntilGone(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!(await admin.listTopics()).includes(topic)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`topic ${topic} was still listed 60 s after it was deleted`);
}

/** Sum of the committed offsets of a group on a topic (partitions without a commit count as 0). */
export async function committedRecords(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).reduce((sum, entry) => sum + Math.max(0, Number(entry.offset)), 0);
}
