// Fetches, formats, starts and stops a single-node Apache Kafka broker in KRaft
// mode for tests, the demo and benchmarks. Nothing else needs to be installed
// beyond Java 17+ and Maven.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

export const KAFKA_VERSION = '4.4.0';

const scriptDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(scriptDir, '..', '..');
const cacheDir = join(repoRoot, '.cache', 'kafka');
export const libsDir = join(cacheDir, KAFKA_VERSION, 'libs');

export interface BrokerOptions {
  /** Directory for the log segments, the config and the broker log; kept between restarts. */
  dir: string;
  /** Client listener port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Controller listener port on 127.0.0.1; 0 picks a free one. */
  controllerPort?: number;
  /** Maximum Java heap, in MiB (default 512 MiB: enough for tests, fits a 2-core CI machine). */
  heapMiB?: number;
  /** How long to wait for the broker to serve metadata requests, in ms (default 90 s). */
  readyTimeoutMs?: number;
}

export interface RunningBroker {
  /** `127.0.0.1:<port>`, the bootstrap address for clients. */
  bootstrap: string;
  port: number;
  controllerPort: number;
  dir: string;
  pid: number;
  /** Stops the broker with SIGTERM and waits for a clean exit (SIGKILL after the timeout). */
  stop(timeoutMs?: number): Promise<void>;
  /** Kills the broker at once, as a crash would. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Resolves the broker jars from Maven Central into the git-ignored cache, once. */
export function ensureKafkaJars(): string {
  const marker = join(libsDir, '.complete');
  if (existsSync(marker)) return libsDir;

  mkdirSync(libsDir, { recursive: true });
  process.stderr.write(`fetching Apache Kafka ${KAFKA_VERSION} with Maven into ${libsDir}\n`);
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(scriptDir, 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libsDir}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.error) {
    throw new Error(`Could not run Maven to fetch the Kafka broker: ${result.error.message}. Install Maven 3 and Java 17+.`);
  }
  if (result.status !== 0) {
    throw new Error(`Maven failed to fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.status}); see its output above.`);
  }

  const jars = readdirSync(libsDir).filter((name) => name.endsWith('.jar'));
  if (!jars.some((name) => name.startsWith('kafka_2.13-'))) {
    throw new Error(`Maven finished but no kafka_2.13 jar was found in ${libsDir}; delete that folder and run again.`);
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libsDir;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    // One node: the internal topics must not ask for more replicas than exist,
    // or the group coordinator never becomes available.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Tests create their topics explicitly, so a missing topic is an error, not a surprise topic.
    'auto.create.topics.enable=false',
    // Members join at once instead of after the default 3 s delay.
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
    '',
  ].join('\n');
}

function javaClasspath(): string {
  return `${libsDir}/*`;
}

function formatStorage(dir: string, propertiesFile: string): void {
  if (existsSync(join(dir, 'data', 'meta.properties'))) return;

  // A cluster id is 16 random bytes in URL-safe base64, as `kafka-storage random-uuid`
  // prints. Like Kafka's own generator, reject ids that start with "-": the
  // storage tool would read them as an option.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const result = spawnSync(
    'java',
    ['-cp', javaClasspath(), `-Dlog4j2.configurationFile=${join(scriptDir, 'log4j2.properties')}`, `-Dkafka.logs.dir=${dir}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propertiesFile],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`Formatting the KRaft log directory ${dir} failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
}

async function waitUntilServing(bootstrap: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`The Kafka broker exited with code ${child.exitCode} during start-up.`);
    }
    const kafka = new Kafka({ clientId: 'broker-readiness', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1_000 });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`The Kafka broker at ${bootstrap} did not serve metadata within ${timeoutMs} ms (last error: ${lastError}).`);
}

/** Starts the broker (formatting its directory on first use) and waits until it serves clients. */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  ensureKafkaJars();

  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = options.port || (await freePort());
  const controllerPort = options.controllerPort || (await freePort());
  const propertiesFile = join(dir, 'server.properties');
  writeFileSync(propertiesFile, serverProperties(dir, port, controllerPort));
  formatStorage(dir, propertiesFile);

  const heap = options.heapMiB ?? 512;
  const outFd = openSync(join(dir, 'broker.out'), 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${heap}m`,
      `-Xms${Math.min(heap, 256)}m`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(scriptDir, 'log4j2.properties')}`,
      `-Dkafka.logs.dir=${dir}`,
      '-cp',
      javaClasspath(),
      'kafka.Kafka',
      propertiesFile,
    ],
    { stdio: ['ignore', outFd, outFd], detached: false },
  );
  closeSync(outFd);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const bootstrap = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(bootstrap, child, options.readyTimeoutMs ?? 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const stop = async (timeoutMs = 30_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };

  return { bootstrap, port, controllerPort, dir, pid: child.pid ?? -1, stop, kill, exited };
}
