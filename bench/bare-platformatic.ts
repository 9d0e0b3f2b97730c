// The @platformatic/kafka ceiling, measured like bench/bare-consumer.ts
// measures kafkajs: a consumer group member that only counts records and
// never commits. With `json` it also runs JSON.parse on every value. Run by
// bench/run.ts as its own process. It prints one JSON line when it has joined
// the group and one when it has counted the expected records, then waits for
// SIGTERM so that the harness can read its /proc entry first.
//
//   node bench/bare-platformatic.ts <brokers> <topic> <groupId> <expectedRecords> [json]
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import { reportToHarness } from './child-io.ts';

const [brokers, topic, groupId, expectedText, mode] = process.argv.slice(2);
const expected = Number(expectedText);
if (!brokers || !topic || !groupId || !Number.isSafeInteger(expected) || expected < 1 || (mode !== undefined && mode !== 'json')) {
  process.stderr.write('usage: node bench/bare-platformatic.ts <brokers> <topic> <groupId> <expectedRecords> [json]\n');
  process.exit(2);
}

// Settings of @platformatic/kafka 2.12.1, mapped to the kafkajs consumer of
// bench/bare-consumer.ts so that both clients fetch with the same limits:
// - sessionTimeout 30 s and heartbeatInterval 3 s: the same options there.
// - rebalanceTimeout 60 s: the kafkajs default (this client's is 102 s).
// - maxBytesPerPartition 512 KiB and maxBytes 3 MiB per fetch: the
//   connector's default fetch sizes, also used by bench/bare-consumer.ts.
//   Unset, this client's maxBytes is 50 MiB (dist/clients/consumer/options.js,
//   although its docs/consumer.md documents 10 MB) and maxBytesPerPartition
//   takes the value of maxBytes.
// - maxWaitTime 500 ms: the connector's kafkajs maxWaitTimeInMs.
// - minBytes 1 and READ_COMMITTED isolation are the defaults of both clients.
//   The roundrobin assigner is this client's default and kafkajs's.
// - No deserializers, so keys and values stay Buffers, as in kafkajs.
// - highWaterMark keeps its default of 1024 messages. kafkajs has no such
//   buffer, and the flowing 'data' listener below receives each message as
//   it is pushed, so the buffer stays nearly empty.
// Both clients join with the classic group protocol.
const consumer = new Consumer({
  clientId: 'bench-bare-platformatic',
  bootstrapBrokers: brokers.split(','),
  groupId,
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
  maxBytesPerPartition: 512 * 1024,
  maxBytes: 3 * 1024 * 1024,
  maxWaitTime: 500,
});

const parseJson = mode === 'json';
let counted = 0;
let invalidJson = 0;
let joinedAtMs: number | undefined;
// consume() joins the group (JoinGroup and SyncGroup) before it creates the
// stream, and this event fires once the assignment is received, which is when
// kafkajs emits GROUP_JOIN.
consumer.on('consumer:group:join', () => {
  if (joinedAtMs !== undefined) return;
  joinedAtMs = Date.now();
  reportToHarness({ event: 'joined', atMs: joinedAtMs });
});

// COMMITTED with an EARLIEST fallback matches kafkajs's fromBeginning. The
// stream starts at the group's committed offsets, or at the earliest offset
// of a partition without one, which is every partition of this new group.
// With autocommit off, each message carries a commit() bound to its offset,
// which this consumer never calls, so nothing is committed.
const streamReady = consumer.consume({
  topics: [topic],
  mode: MessagesStreamModes.COMMITTED,
  fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  autocommit: false,
});

let stopping = false;
// Installed before the group join completes, so that a SIGTERM during the
// join still leaves the group. The consumer rejects a close while a stream is
// open. A stream created after the close fails on its first request, so the
// stop waits for the stream and closes it first.
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  streamReady
    .then(
      (stream) => stream.close(),
      () => undefined,
    )
    .then(() => consumer.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`closing the consumer failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const stream = await streamReady;
stream.on('error', (error) => {
  if (stopping) return;
  process.stderr.write(`the message stream failed: ${error.message}\n`);
  process.exit(1);
});
// The stream emits one message at a time, so the count stops exactly at the
// expected number, where the kafkajs consumer counts whole batches.
stream.on('data', (message) => {
  if (counted >= expected) return;
  if (parseJson) {
    try {
      JSON.parse(message.value?.toString('utf8') ?? 'null');
    } catch {
      invalidJson += 1;
    }
  }
  counted += 1;
  if (counted >= expected) reportToHarness({ event: 'done', atMs: Date.now(), records: counted, invalidJson });
});
