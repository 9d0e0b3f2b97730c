// The kafkajs ceiling: a consumer group member with the connector's consumer
// settings that only counts records (eachBatch, no commits). With `json` it
// also runs JSON.parse on every value, the least work any JSON connector does.
// Run by bench/run.ts as its own process. It prints one JSON line when it has
// joined the group and one when it has counted the expected records, then
// waits for SIGTERM so that the harness can read its /proc entry first.
//
//   node bench/bare-consumer.ts <brokers> <topic> <groupId> <expectedRecords> [json]
import { Kafka, logLevel } from 'kafkajs';
import { ignoreNegativeTimeoutWarnings, reportToHarness } from './child-io.ts';

ignoreNegativeTimeoutWarnings();

const [brokers, topic, groupId, expectedText, mode] = process.argv.slice(2);
const expected = Number(expectedText);
if (!brokers || !topic || !groupId || !Number.isSafeInteger(expected) || expected < 1 || (mode !== undefined && mode !== 'json')) {
  process.stderr.write('usage: node bench/bare-consumer.ts <brokers> <topic> <groupId> <expectedRecords> [json]\n');
  process.exit(2);
}

const kafka = new Kafka({ clientId: 'bench-bare-consumer', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
// The same options as src/source/consumer.ts with the connector's default fetch
// sizes (KAFKA_FETCH_MAX_BYTES, KAFKA_FETCH_MAX_BYTES_PER_PARTITION), so the
// comparison is about the work per record.
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 30_000,
  heartbeatInterval: 3_000,
  allowAutoTopicCreation: false,
  maxBytes: 3 * 1024 * 1024,
  maxBytesPerPartition: 512 * 1024,
  maxWaitTimeInMs: 500,
});

const parseJson = mode === 'json';
let counted = 0;
let invalidJson = 0;
let joinedAtMs: number | undefined;
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (joinedAtMs !== undefined) return;
  joinedAtMs = Date.now();
  reportToHarness({ event: 'joined', atMs: joinedAtMs });
});

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 1,
  eachBatch: async ({ batch }) => {
    if (counted >= expected) return;
    if (parseJson) {
      for (const message of batch.messages) {
        try {
          JSON.parse(message.value?.toString('utf8') ?? 'null');
        } catch {
          invalidJson += 1;
        }
      }
    }
    counted += batch.messages.length;
    if (counted >= expected) reportToHarness({ event: 'done', atMs: Date.now(), records: counted, invalidJson });
  },
});

const stop = (): void => {
  consumer.disconnect().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
