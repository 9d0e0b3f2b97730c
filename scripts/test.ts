// Runs the whole test suite against one real Kafka broker that this script
// starts in a fresh directory and stops at the end, whatever the outcome.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafkaJars, repoRoot, startBroker } from './kafka/broker.ts';

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['test/**/*.test.ts'];

ensureKafkaJars();
const dir = mkdtempSync(join(repoRoot, '.cache', 'kafka', 'test-'));
const broker = await startBroker({ dir });
process.stderr.write(`Kafka broker for tests listening on ${broker.bootstrap}\n`);

let stopping = false;
const cleanUp = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
};

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', ...files], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, KAFKA_TEST_BROKERS: broker.bootstrap },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}

const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
await cleanUp();
process.exit(code);
