import type { Admin } from 'kafkajs';
import type { OffsetTracker } from '../offsets/tracker.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Metrics } from './metrics.ts';

/** Gauges read from the pipeline at scrape time: held memory, pause state, oldest unsettled record. */
export function registerPipelineCollectors(metrics: Metrics, parts: { pipeline: Pipeline; isPaused: () => boolean; tracker: OffsetTracker }): void {
  metrics.addCollector(() => {
    const held = parts.pipeline.heldSummary();
    metrics.set('buffered_lines', {}, held.lines);
    metrics.set('buffered_bytes', {}, held.bytes);
    metrics.set('consumption_paused', {}, parts.isPaused() ? 1 : 0);
    const oldest = parts.tracker.oldestUnsettledReadAt();
    metrics.set('oldest_unsettled_event_age_seconds', {}, oldest === undefined ? 0 : (Date.now() - oldest) / 1000);
  }, 'pipeline');
}

/**
 * Consumer lag per owned partition at scrape time: the end offset minus the
 * group's committed offset (or the start of the log when nothing is committed).
 */
export function registerLagCollector(metrics: Metrics, admin: Admin, tracker: OffsetTracker, groupId: string): void {
  metrics.addCollector(async () => {
    const owned = tracker.owned();
    metrics.clear('consumer_lag');
    if (owned.length === 0) return;

    await admin.connect();
    const topics = [...new Set(owned.map((ledger) => ledger.topic))];
    const [ends, committed] = await Promise.all([
      Promise.all(topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
      admin.fetchOffsets({ groupId, topics }),
    ]);
    const committedBy = new Map(committed.flatMap(({ topic, partitions }) => partitions.map((entry) => [`${topic}/${entry.partition}`, BigInt(entry.offset)] as const)));

    for (const { topic, offsets } of ends) {
      for (const { partition, high, low } of offsets) {
        if (!owned.some((ledger) => ledger.topic === topic && ledger.partition === partition)) continue;
        const position = committedBy.get(`${topic}/${partition}`) ?? -1n;
        const start = position >= 0n ? position : BigInt(low);
        metrics.set('consumer_lag', { topic, partition: String(partition) }, Number(BigInt(high) - start));
      }
    }
  }, 'consumer_lag');
}
