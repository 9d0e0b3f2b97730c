// `npm run kafka`: starts a local single-node broker in the foreground for
// manual runs, prints its bootstrap address, and stops it on Ctrl-C.
import { join } from 'node:path';
import { ensureKafkaJars, repoRoot, startBroker } from './broker.ts';

const [command = 'start'] = process.argv.slice(2);
if (command === 'fetch') {
  ensureKafkaJars();
  process.stdout.write('Kafka jars are in the cache.\n');
  process.exit(0);
}
if (command !== 'start') {
  process.stderr.write('Usage: npm run kafka -- [start|fetch]\n  start  run a broker on 127.0.0.1:9092 until Ctrl-C (data in .cache/kafka/local)\n  fetch  only download the broker jars\n');
  process.exit(2);
}

const port = Number(process.env.KAFKA_PORT ?? 9092);
const broker = await startBroker({ dir: join(repoRoot, '.cache', 'kafka', 'local'), port });
process.stdout.write(`Kafka broker ready on ${broker.bootstrap} (log: ${join(broker.dir, 'broker.log')}). Ctrl-C stops it.\n`);
const stop = (): void => {
  void broker.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await broker.exited;
