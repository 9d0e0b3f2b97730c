import { readFileSync } from 'node:fs';
import { variables, type Variable } from './variables.ts';
import type { EventType } from '../contract/consent-event.ts';
import { MappingFileError, loadMappingFile, type Mapping } from '../mapping/declarative/index.ts';
import type { DocumentType, HashAlgorithm } from '../mapping/policy.ts';

export interface EmailNormalisationSteps {
  trim: boolean;
  lowerCase: boolean;
  gmailNormalisation: boolean;
}

/** The validated configuration; the pipeline accepts nothing else. */
export interface Config {
  kafka: {
    brokers: string[];
    topics: string[];
    groupId: string;
    clientId: string;
    sessionTimeoutMs: number;
    /** Bytes per fetch response, over all partitions and per partition. */
    fetchMaxBytes: number;
    fetchMaxBytesPerPartition: number;
    dlqTopic: string | undefined;
    receiptsTopic: string | undefined;
    /** TLS options with file contents already read; undefined means plaintext. */
    ssl: { ca: string | undefined; cert: string | undefined; key: string | undefined; rejectUnauthorized: boolean } | undefined;
    sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  };
  schemaRegistry: { url: string; username: string | undefined; password: string | undefined } | undefined;
  mappingFile: string | undefined;
  /** The compiled mapping file, loaded and validated at start-up. */
  sourceMapping: Mapping | undefined;
  http: { host: string; port: number };
  api: {
    url: string;
    token: string;
    datamartId: string;
    documentImportId: string | undefined;
    documentImportName: string;
    requestTimeoutMs: number;
    maxConcurrentExecutions: number;
    maxRequestsPerSecond: number;
    followUpIntervalMs: number;
    followUpTimeoutMs: number;
  };
  window: { maxLines: number; maxBytes: number; maxAgeMs: number };
  buffer: { maxLines: number; maxBytes: number };
  retry: { baseDelayMs: number; maxDelayMs: number; retryAfterMaxMs: number; authDelayMs: number };
  mapping: {
    documentType: DocumentType;
    documentTypeByEventType: Map<EventType, DocumentType>;
    emailHashAlgorithm: HashAlgorithm;
    emailNormalisation: EmailNormalisationSteps;
    emailHashAlgorithmByDatamart: Map<string, HashAlgorithm>;
    emailNormalisationByDatamart: Map<string, EmailNormalisationSteps>;
    triggerPurposes: { namespace: string; id: string }[] | undefined;
    jurisdictions: string[] | undefined;
    userAgentPrefixes: string[];
    defaultCompartmentId: string | undefined;
  };
  maxRecordBytes: number;
  commitIntervalMs: number;
  rebalanceFlushTimeoutMs: number;
  shutdownTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  readonly code = 'ERR_INVALID_CONFIG';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// Variables with these prefixes belong to the connector, so an unknown one is
// most likely a typo that would otherwise be ignored silently.
const ownedPrefixes = ['MEDIARITHMICS_', 'WINDOW_'];

type Env = Record<string, string | undefined>;

function describeValue(spec: Variable<unknown>, raw: string): string {
  return spec.secret ? '<redacted>' : JSON.stringify(raw);
}

function parseVariable<T>(spec: Variable<T>, env: Env, problems: string[]): T {
  const raw = env[spec.name];
  const result = spec.schema.safeParse(raw);
  if (result.success) return result.data;

  if (raw === undefined) {
    problems.push(`${spec.name} is required but not set. Example: ${spec.name}=${spec.example}`);
  } else {
    const reasons = result.error.issues.map((issue) => issue.message).join('; ');
    problems.push(`${spec.name}=${describeValue(spec as Variable<unknown>, raw)} is invalid: ${reasons}. Example: ${spec.name}=${spec.example}`);
  }
  // The caller throws before using this value because problems is not empty.
  return undefined as T;
}

// Secrets that may come from a mounted file, whose path is in NAME_FILE.
const fileVariants = ['MEDIARITHMICS_API_TOKEN', 'KAFKA_SASL_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD'];

function readSecretFiles(env: Env, problems: string[]): Env {
  const resolved: Env = { ...env };
  for (const name of fileVariants) {
    const path = env[`${name}_FILE`]?.trim();
    if (!path) continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}_FILE is invalid: ${name} is set too; set only one of them. Example: ${name}_FILE=/var/run/secrets/${name.toLowerCase()}`);
      continue;
    }
    try {
      resolved[name] = readFileSync(path, 'utf8').trim();
    } catch (error) {
      problems.push(`${name}_FILE=${JSON.stringify(path)} is invalid: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Example: ${name}_FILE=/var/run/secrets/${name.toLowerCase()}`);
    }
  }
  return resolved;
}

function readPemFile(variable: string, path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${variable}=${JSON.stringify(path)} is invalid: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Example: ${variable}=/etc/kafka/tls/ca.pem`);
    return undefined;
  }
}

/** Validates the environment once at start-up; throws ConfigError listing every problem. */
export function loadConfig(rawEnv: Env = process.env): Config {
  const problems: string[] = [];
  const env = readSecretFiles(rawEnv, problems);
  const read = <T>(spec: Variable<T>): T => parseVariable(spec, env, problems);

  const sslCaFile = read(variables.kafkaSslCaFile);
  const sslCertFile = read(variables.kafkaSslCertFile);
  const sslKeyFile = read(variables.kafkaSslKeyFile);
  const sslEnabled = read(variables.kafkaSsl) || sslCaFile !== undefined || sslCertFile !== undefined || sslKeyFile !== undefined;
  const sslRejectUnauthorized = read(variables.kafkaSslRejectUnauthorized);
  const saslMechanism = read(variables.kafkaSaslMechanism);
  const saslUsername = read(variables.kafkaSaslUsername);
  const saslPassword = read(variables.kafkaSaslPassword);
  const registryUrl = read(variables.schemaRegistryUrl);
  const registryUsername = read(variables.schemaRegistryUsername);
  const registryPassword = read(variables.schemaRegistryPassword);

  const config: Config = {
    kafka: {
      brokers: read(variables.kafkaBrokers),
      topics: read(variables.kafkaTopics),
      groupId: read(variables.kafkaGroupId),
      clientId: read(variables.kafkaClientId),
      sessionTimeoutMs: read(variables.sessionTimeoutMs),
      fetchMaxBytes: read(variables.fetchMaxBytes),
      fetchMaxBytesPerPartition: read(variables.fetchMaxBytesPerPartition),
      dlqTopic: read(variables.dlqTopic),
      receiptsTopic: read(variables.receiptsTopic),
      ssl: sslEnabled
        ? {
            ca: readPemFile('KAFKA_SSL_CA_FILE', sslCaFile, problems),
            cert: readPemFile('KAFKA_SSL_CERT_FILE', sslCertFile, problems),
            key: readPemFile('KAFKA_SSL_KEY_FILE', sslKeyFile, problems),
            rejectUnauthorized: sslRejectUnauthorized,
          }
        : undefined,
      sasl: saslMechanism !== undefined && saslUsername !== undefined && saslPassword !== undefined ? { mechanism: saslMechanism, username: saslUsername, password: saslPassword } : undefined,
    },
    schemaRegistry: registryUrl === undefined ? undefined : { url: registryUrl, username: registryUsername, password: registryPassword },
    mappingFile: read(variables.mappingFile),
    sourceMapping: undefined,
    http: { host: read(variables.httpHost), port: read(variables.httpPort) },
    api: {
      url: read(variables.apiUrl),
      token: read(variables.apiToken),
      datamartId: read(variables.datamartId),
      documentImportId: read(variables.documentImportId),
      documentImportName: read(variables.documentImportName),
      requestTimeoutMs: read(variables.requestTimeoutMs),
      maxConcurrentExecutions: read(variables.maxConcurrentExecutions),
      maxRequestsPerSecond: read(variables.maxRequestsPerSecond),
      followUpIntervalMs: read(variables.followUpIntervalMs),
      followUpTimeoutMs: read(variables.followUpTimeoutMs),
    },
    window: {
      maxLines: read(variables.windowMaxLines),
      maxBytes: read(variables.windowMaxBytes),
      maxAgeMs: read(variables.windowMaxAgeMs),
    },
    buffer: {
      maxLines: read(variables.maxBufferedLines),
      maxBytes: read(variables.maxBufferedBytes),
    },
    retry: {
      baseDelayMs: read(variables.retryBaseDelayMs),
      maxDelayMs: read(variables.retryMaxDelayMs),
      retryAfterMaxMs: read(variables.retryAfterMaxMs),
      authDelayMs: read(variables.authRetryDelayMs),
    },
    mapping: {
      documentType: read(variables.documentType),
      documentTypeByEventType: read(variables.documentTypeByEventType),
      emailHashAlgorithm: read(variables.emailHashAlgorithm),
      emailNormalisation: read(variables.emailNormalisation),
      emailHashAlgorithmByDatamart: read(variables.emailHashAlgorithmByDatamart),
      emailNormalisationByDatamart: read(variables.emailNormalisationByDatamart),
      triggerPurposes: read(variables.triggerPurposes),
      jurisdictions: read(variables.jurisdictions),
      userAgentPrefixes: read(variables.userAgentPrefixes),
      defaultCompartmentId: read(variables.defaultCompartmentId),
    },
    maxRecordBytes: read(variables.maxRecordBytes),
    commitIntervalMs: read(variables.commitIntervalMs),
    rebalanceFlushTimeoutMs: read(variables.rebalanceFlushTimeoutMs),
    shutdownTimeoutMs: read(variables.shutdownTimeoutMs),
    logLevel: read(variables.logLevel),
  };

  if (saslMechanism !== undefined && (saslUsername === undefined || saslPassword === undefined)) {
    problems.push(`KAFKA_SASL_MECHANISM=${JSON.stringify(saslMechanism)} is invalid: it needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE). Example: KAFKA_SASL_USERNAME=deletion-connector`);
  }
  if (saslMechanism === undefined && (saslUsername !== undefined || saslPassword !== undefined)) {
    problems.push('KAFKA_SASL_USERNAME is invalid without KAFKA_SASL_MECHANISM. Example: KAFKA_SASL_MECHANISM=scram-sha-512');
  }
  if ((sslCertFile === undefined) !== (sslKeyFile === undefined)) {
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together for mutual TLS. Example: KAFKA_SSL_KEY_FILE=/etc/kafka/tls/client.key');
  }
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD must be set together. Example: SCHEMA_REGISTRY_USERNAME=connector');
  }

  const known = new Set([...Object.values(variables).map((spec) => spec.name), ...fileVariants.map((name) => `${name}_FILE`)]);
  for (const name of Object.keys(env).sort()) {
    if (ownedPrefixes.some((prefix) => name.startsWith(prefix)) && !known.has(name)) {
      problems.push(`${name} is not a known variable. Known variables with this prefix: ${[...known].filter((k) => k.startsWith(name.split('_')[0] + '_')).join(', ')}`);
    }
  }

  if (config.mappingFile !== undefined) {
    try {
      config.sourceMapping = loadMappingFile(config.mappingFile);
    } catch (error) {
      if (!(error instanceof MappingFileError)) throw error;
      for (const problem of error.problems) problems.push(`MAPPING_FILE=${JSON.stringify(config.mappingFile)} is invalid: ${problem}`);
    }
  }

  if (problems.length === 0) {
    checkAcrossKeys(config, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function checkAcrossKeys(config: Config, problems: string[]): void {
  if (config.buffer.maxLines < config.window.maxLines) {
    problems.push(
      `MAX_BUFFERED_LINES=${config.buffer.maxLines} is invalid: it must be at least WINDOW_MAX_LINES=${config.window.maxLines}, or a full window could never form. Example: MAX_BUFFERED_LINES=${config.window.maxLines * 10}`,
    );
  }
  if (config.buffer.maxBytes < config.window.maxBytes) {
    problems.push(
      `MAX_BUFFERED_BYTES=${config.buffer.maxBytes} is invalid: it must be at least WINDOW_MAX_BYTES=${config.window.maxBytes}, or a full window could never form. Example: MAX_BUFFERED_BYTES=${config.window.maxBytes * 8}`,
    );
  }
  if (config.kafka.dlqTopic !== undefined && config.kafka.topics.includes(config.kafka.dlqTopic)) {
    problems.push(
      `DLQ_TOPIC=${JSON.stringify(config.kafka.dlqTopic)} is invalid: it is also listed in KAFKA_TOPICS, so dead letters would be consumed again. Example: DLQ_TOPIC=${config.kafka.topics[0]}-dlq`,
    );
  }
  if (config.kafka.receiptsTopic !== undefined && (config.kafka.topics.includes(config.kafka.receiptsTopic) || config.kafka.receiptsTopic === config.kafka.dlqTopic)) {
    problems.push(
      `RECEIPTS_TOPIC=${JSON.stringify(config.kafka.receiptsTopic)} is invalid: it must differ from KAFKA_TOPICS and DLQ_TOPIC. Example: RECEIPTS_TOPIC=${config.kafka.topics[0]}-receipts`,
    );
  }
  if (config.kafka.fetchMaxBytesPerPartition > config.kafka.fetchMaxBytes) {
    problems.push(
      `KAFKA_FETCH_MAX_BYTES_PER_PARTITION=${config.kafka.fetchMaxBytesPerPartition} is invalid: it must be at most KAFKA_FETCH_MAX_BYTES=${config.kafka.fetchMaxBytes}. Example: KAFKA_FETCH_MAX_BYTES_PER_PARTITION=${Math.min(524_288, config.kafka.fetchMaxBytes)}`,
    );
  }
  if (config.rebalanceFlushTimeoutMs >= config.kafka.sessionTimeoutMs) {
    problems.push(
      `REBALANCE_FLUSH_TIMEOUT_MS=${config.rebalanceFlushTimeoutMs} is invalid: it must be below KAFKA_SESSION_TIMEOUT_MS=${config.kafka.sessionTimeoutMs}, or the member is evicted while flushing. Example: REBALANCE_FLUSH_TIMEOUT_MS=${Math.floor(config.kafka.sessionTimeoutMs / 3)}`,
    );
  }
  if (config.retry.maxDelayMs < config.retry.baseDelayMs) {
    problems.push(
      `RETRY_MAX_DELAY_MS=${config.retry.maxDelayMs} is invalid: it must be at least RETRY_BASE_DELAY_MS=${config.retry.baseDelayMs}. Example: RETRY_MAX_DELAY_MS=60000`,
    );
  }
}
