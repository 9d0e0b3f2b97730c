import { getHeapStatistics } from 'node:v8';
import { request } from 'undici';
import type { Config } from '../config/load.ts';
import { heapShortfall, heapShortfallAdvice, mebibytes } from '../config/heap-room.ts';
import { createKafkaClient } from '../source/kafka-client.ts';
import { MediarithmicsClient } from '../sink/client.ts';
import { MediarithmicsApiError } from '../sink/errors.ts';
import type { Logger } from '../telemetry/logger.ts';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Checks that every service the connector needs is reachable, and prints
 * what it would do. Returns 0 when every check passed and 1 otherwise.
 */
export async function checkConfig(config: Config, logger: Logger, timeoutMs: number): Promise<number> {
  const checks: Check[] = [];
  checks.push({ name: 'configuration', ok: true, detail: `valid${config.mappingFile ? `; mapping file ${config.mappingFile} valid` : ''}` });

  const heapLimitBytes = getHeapStatistics().heap_size_limit;
  const shortfall = heapShortfall(config, heapLimitBytes);
  checks.push(
    shortfall
      ? {
          name: 'memory bounds',
          ok: false,
          detail: `the buffers may need about ${mebibytes(shortfall.neededBytes)} MiB, above the V8 heap limit of ${mebibytes(heapLimitBytes)} MiB: ${heapShortfallAdvice}`,
        }
      : { name: 'memory bounds', ok: true, detail: `the buffers fit in the V8 heap limit of ${mebibytes(heapLimitBytes)} MiB` },
  );

  const kafka = createKafkaClient({ ...config.kafka }, logger);
  const admin = kafka.admin({ retry: { retries: 1 } });
  try {
    await withTimeout(admin.connect(), timeoutMs, 'Kafka');
    const cluster = await withTimeout(admin.describeCluster(), timeoutMs, 'Kafka');
    checks.push({ name: 'kafka brokers', ok: true, detail: `${cluster.brokers.length} broker(s) answer at ${config.kafka.brokers.join(',')}` });

    const existing = new Set(await withTimeout(admin.listTopics(), timeoutMs, 'Kafka'));
    for (const topic of config.kafka.topics) {
      checks.push({ name: `topic ${topic}`, ok: existing.has(topic), detail: existing.has(topic) ? 'exists' : 'not found' });
    }
    for (const [label, topic] of [
      ['dead-letter topic', config.kafka.dlqTopic],
      ['receipts topic', config.kafka.receiptsTopic],
    ] as const) {
      if (topic) checks.push({ name: `${label} ${topic}`, ok: existing.has(topic), detail: existing.has(topic) ? 'exists' : 'not found: writes would be retried and hold the offsets back' });
    }
  } catch (error) {
    checks.push({ name: 'kafka brokers', ok: false, detail: `not reachable at ${config.kafka.brokers.join(',')}: ${(error as Error).message}` });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  if (config.schemaRegistry) {
    const { url, username, password } = config.schemaRegistry;
    try {
      const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
      if (username !== undefined && password !== undefined) headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      const response = await request(`${url}/subjects`, { headers, signal: AbortSignal.timeout(timeoutMs) });
      await response.body.dump();
      checks.push({ name: 'schema registry', ok: response.statusCode === 200, detail: `${url} answered HTTP ${response.statusCode}` });
    } catch (error) {
      checks.push({ name: 'schema registry', ok: false, detail: `${url} not reachable: ${(error as Error).message}` });
    }
  }

  const client = new MediarithmicsClient({ url: config.api.url, token: config.api.token, requestTimeoutMs: timeoutMs, connections: 1 });
  let importPlan = '';
  try {
    const page = await client.listDocumentImports(config.api.datamartId, config.api.documentImportName, 0, 100);
    checks.push({ name: 'mediarithmics API', ok: true, detail: `token accepted; datamart ${config.api.datamartId} found at ${config.api.url}` });
    const match = page.items.find((item) => item.name === config.api.documentImportName && item.document_type === config.mapping.documentType);
    importPlan = config.api.documentImportId
      ? `document import ${config.api.documentImportId} (configured)`
      : match
        ? `document import ${match.id} "${config.api.documentImportName}" (${config.mapping.documentType}), found`
        : `a new document import "${config.api.documentImportName}" (${config.mapping.documentType}), created on the first window`;
  } catch (error) {
    const status = error instanceof MediarithmicsApiError ? error.status : undefined;
    const detail =
      status === 401 || status === 403
        ? `the token is refused (HTTP ${status})`
        : status === 404
          ? `datamart ${config.api.datamartId} not found (HTTP 404)`
          : `not usable at ${config.api.url}: ${(error as Error).message}`;
    checks.push({ name: 'mediarithmics API', ok: false, detail });
  } finally {
    await client.close();
  }

  const lines = checks.map((check) => `${check.ok ? 'ok    ' : 'FAILED'} ${check.name}: ${check.detail}`);
  const plan = [
    '',
    'The connector would:',
    `  consume ${config.kafka.topics.join(', ')} as group ${config.kafka.groupId} from ${config.kafka.brokers.join(',')}`,
    `  read JSON events${config.sourceMapping ? ` (mapped by ${config.mappingFile})` : ''}${config.schemaRegistry ? ` and Schema Registry records from ${config.schemaRegistry.url}` : ''}`,
    `  send ${config.mapping.documentType} executions to datamart ${config.api.datamartId} through ${importPlan || 'a document import found or created by name'}`,
    `  cut windows at ${config.window.maxLines} lines, ${config.window.maxBytes} bytes or ${config.window.maxAgeMs} ms, at most ${config.api.maxRequestsPerSecond || 'unlimited'} requests/s`,
    `  ${config.kafka.dlqTopic ? `write dead letters to ${config.kafka.dlqTopic}` : 'log dead letters only (no DLQ_TOPIC)'}${config.kafka.receiptsTopic ? ` and receipts to ${config.kafka.receiptsTopic}` : ''}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n${plan.join('\n')}`);
  return checks.every((check) => check.ok) ? 0 : 1;
}
