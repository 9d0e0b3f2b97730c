// `npm run demo`: the whole flow on this machine. Starts a local Kafka broker
// and the mediarithmics stand-in, produces sample consent events, runs the
// connector until every offset is committed, prints what was sent, and stops
// everything. Options: --events N adds N generated events (default 200).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot, startBroker } from './kafka/broker.ts';
import { generateEvent } from './sample-events.ts';
import { startStandIn } from '../stand-in/mediarithmics/server.ts';

const eventsFlag = process.argv.indexOf('--events');
const generatedCount = eventsFlag === -1 ? 200 : Number(process.argv[eventsFlag + 1]);
if (!Number.isSafeInteger(generatedCount) || generatedCount < 0) {
  process.stderr.write('--events must be a whole number, for example --events 1000\n');
  process.exit(2);
}

const topic = 'consent-events';
const groupId = 'mediarithmics-deletion-connector-demo';
const token = 'demo-token';
const datamartId = '1509';
const workDir = join(repoRoot, '.cache', 'demo');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

say('Starting a single-node Kafka broker (the first run downloads it with Maven)...');
const broker = await startBroker({ dir: join(workDir, 'kafka') });
const standIn = await startStandIn({ token });
say(`Kafka on ${broker.bootstrap}; mediarithmics stand-in on ${standIn.url}`);

const kafka = new Kafka({ clientId: 'demo', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });

const samples = readFileSync(join(repoRoot, 'examples', 'consent-events.ndjson'), 'utf8').split('\n').filter((line) => line.length > 0);
const generated = Array.from({ length: generatedCount }, (_, index) => JSON.stringify(generateEvent(index, 'demo').event));
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
for (const batch of chunk([...samples, ...generated], 500)) {
  await producer.send({ topic, messages: batch.map((value) => ({ value })), acks: -1 });
}
await producer.disconnect();
say(`Produced ${samples.length} sample events from examples/consent-events.ndjson and ${generated.length} generated ones to topic ${topic}.`);

const logPath = join(workDir, 'connector.log');
const log = createWriteStream(logPath);
const connector = spawn(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts')], {
  cwd: repoRoot,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    PATH: process.env.PATH ?? '',
    KAFKA_BROKERS: broker.bootstrap,
    KAFKA_TOPICS: topic,
    KAFKA_GROUP_ID: groupId,
    MEDIARITHMICS_API_URL: standIn.url,
    MEDIARITHMICS_API_TOKEN: token,
    MEDIARITHMICS_DATAMART_ID: datamartId,
    WINDOW_MAX_LINES: '100',
    WINDOW_MAX_AGE_MS: '1000',
    COMMIT_INTERVAL_MS: '500',
  },
});
connector.stdout.pipe(log);
connector.stderr.pipe(log);
say(`Connector started; its JSON logs go to ${logPath}`);

const total = samples.length + generated.length;
const started = Date.now();
for (;;) {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const done = (committed?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
  if (done >= total) break;
  if (Date.now() - started > 120_000) {
    say(`Gave up after 120 s with ${done} of ${total} records committed; see ${logPath}`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}

connector.kill('SIGTERM');
const exitCode = await new Promise<number | null>((resolve) => connector.once('exit', (code) => resolve(code)));
const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
await admin.disconnect();

const lineTypes = new Map<string, number>();
for (const execution of standIn.executions) {
  for (const line of execution.lines as { type: string }[]) lineTypes.set(line.type, (lineTypes.get(line.type) ?? 0) + 1);
}
const logLines = readFileSync(logPath, 'utf8').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
const deadLetters = logLines.filter((line) => line.msg === 'record dead-lettered');
const stopped = logLines.find((line) => line.msg === 'connector stopped');

say('');
say(`Executions POSTed: ${standIn.executions.length} (document import ${standIn.imports().map((item) => `${item.id} "${item.name}" ${item.document_type}`).join(', ')})`);
say(`Lines sent: ${[...lineTypes].map(([type, count]) => `${type} ${count}`).join(', ')}`);
say('First lines of the first execution:');
for (const line of (standIn.executions[0]?.body ?? '').split('\n').slice(0, 4)) if (line) say(`  ${line}`);
say(`Records reported as dead letters: ${deadLetters.map((line) => `partition ${String(line.partition)} offset ${String(line.offset)}: ${String(line.reason)}`).join('; ') || 'none'}`);
const counters = (stopped?.counters ?? {}) as Record<string, number>;
const skipped = Object.entries(counters).filter(([name]) => name.startsWith('events_skipped_total') || name.startsWith('identifiers_skipped_total'));
say(`Skipped: ${skipped.map(([name, count]) => `${name} ${count}`).join(', ') || 'none'}`);
say(`Committed offsets of ${groupId}: ${(committed?.partitions ?? []).map((partition) => `p${partition.partition}=${partition.offset}`).join(' ')} (${total} records produced)`);
say(`Connector exit code after SIGTERM: ${exitCode}`);

await standIn.close();
await broker.stop();
say('Broker and stand-in stopped.');
process.exit(exitCode === 0 ? 0 : 1);

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
