// The public configuration contract: every environment variable the connector
// reads, with its meaning, default and an example. The docs' configuration
// reference is generated from this table, so descriptions are user-facing.
import { z } from 'zod';

export interface Variable<T> {
  name: string;
  description: string;
  /** Default shown in the docs, with its unit. */
  defaultText?: string;
  /** Start-up fails when a required variable is not set. */
  required?: boolean;
  example: string;
  secret?: boolean;
  schema: z.ZodType<T>;
}

function variable<T>(spec: Variable<T>): Variable<T> {
  return spec;
}

const hostPort = /^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/;
const topicName = /^[A-Za-z0-9._\-]{1,249}$/;
const digits = /^\d{1,19}$/;

function commaList(what: string, pattern: RegExp) {
  return z
    .string()
    .transform((raw) => raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0))
    .refine((items) => items.length > 0, { message: `must list at least one ${what}` })
    .refine((items) => items.every((item) => pattern.test(item)), { message: `each entry must be a ${what}` });
}

function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, context) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw.trim());
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
        context.addIssue({ code: 'custom', message: 'must be a whole number' });
        return z.NEVER;
      }
      if (value < min || value > max) {
        context.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
        return z.NEVER;
      }
      return value;
    });
}


const documentTypes = ['USER_POINTS_DELETION', 'USER_IDENTIFIERS_DELETION'] as const;
const eventTypes = ['erasure.requested', 'consent.withdrawn', 'consent.updated', 'consent.granted'] as const;
const normalisationSteps = ['trim', 'lowercase', 'gmail'] as const;

function optionalText() {
  return z
    .string()
    .optional()
    .transform((raw) => (raw?.trim() ? raw.trim() : undefined));
}

function boolean(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, context) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const text = raw.trim().toLowerCase();
      if (text === 'true' || text === '1' || text === 'yes') return true;
      if (text === 'false' || text === '0' || text === 'no') return false;
      context.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });
}

/** Parses `key=value,key=value` lists; each pair is checked by `parsePair`, which returns an error text or the parsed pair. */
function pairList<K extends string, V>(parsePair: (key: string, value: string) => [K, V] | string) {
  return z
    .string()
    .optional()
    .transform((raw, context) => {
      const pairs = new Map<K, V>();
      if (raw === undefined || raw.trim() === '') return pairs;
      for (const item of raw.split(',').map((text) => text.trim()).filter((text) => text.length > 0)) {
        const separator = item.indexOf('=');
        if (separator <= 0) {
          context.addIssue({ code: 'custom', message: `entry "${item}" is not key=value` });
          continue;
        }
        const parsed = parsePair(item.slice(0, separator).trim(), item.slice(separator + 1).trim());
        if (typeof parsed === 'string') context.addIssue({ code: 'custom', message: parsed });
        else pairs.set(parsed[0], parsed[1]);
      }
      return pairs;
    });
}

function parseNormalisation(text: string): { trim: boolean; lowerCase: boolean; gmailNormalisation: boolean } | string {
  const steps = text.split('+').map((step) => step.trim().toLowerCase()).filter((step) => step.length > 0 && step !== 'none');
  const unknown = steps.filter((step) => !(normalisationSteps as readonly string[]).includes(step));
  if (unknown.length > 0) return `unknown normalisation step "${unknown.join('", "')}" (known: trim, lowercase, gmail, none)`;
  return { trim: steps.includes('trim'), lowerCase: steps.includes('lowercase'), gmailNormalisation: steps.includes('gmail') };
}

export const variables = {
  kafkaBrokers: variable({
    name: 'KAFKA_BROKERS',
    required: true,
    description: 'Comma-separated list of Kafka bootstrap brokers as host:port.',
    example: 'kafka-1:9092,kafka-2:9092',
    schema: commaList('host:port', hostPort),
  }),
  kafkaTopics: variable({
    name: 'KAFKA_TOPICS',
    required: true,
    description: 'Comma-separated list of topics that carry consent events.',
    example: 'consent-events',
    schema: commaList('Kafka topic name (letters, digits, ".", "_", "-")', topicName),
  }),
  kafkaSsl: variable({
    name: 'KAFKA_SSL',
    description: 'Connect to the brokers over TLS. Turned on automatically when one of the KAFKA_SSL_*_FILE variables is set.',
    defaultText: 'false',
    example: 'true',
    schema: boolean(false),
  }),
  kafkaSslCaFile: variable({
    name: 'KAFKA_SSL_CA_FILE',
    description: 'PEM file of the certificate authorities that signed the broker certificates, when they are not publicly trusted.',
    example: '/etc/kafka/ca.pem',
    schema: optionalText(),
  }),
  kafkaSslCertFile: variable({
    name: 'KAFKA_SSL_CERT_FILE',
    description: 'PEM client certificate for mutual TLS; needs KAFKA_SSL_KEY_FILE.',
    example: '/etc/kafka/client.pem',
    schema: optionalText(),
  }),
  kafkaSslKeyFile: variable({
    name: 'KAFKA_SSL_KEY_FILE',
    description: 'PEM private key of the client certificate.',
    example: '/etc/kafka/client.key',
    schema: optionalText(),
  }),
  kafkaSslRejectUnauthorized: variable({
    name: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
    description: 'Reject broker certificates that do not verify. Turn off only for a test cluster.',
    defaultText: 'true',
    example: 'true',
    schema: boolean(true),
  }),
  kafkaSaslMechanism: variable({
    name: 'KAFKA_SASL_MECHANISM',
    description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512. Needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD; use it with KAFKA_SSL=true so the password is not sent in clear.',
    example: 'scram-sha-512',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim().toLowerCase() : undefined))
      .pipe(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { message: 'must be plain, scram-sha-256 or scram-sha-512' }).optional()),
  }),
  kafkaSaslUsername: variable({
    name: 'KAFKA_SASL_USERNAME',
    description: 'SASL user name.',
    example: 'deletion-connector',
    schema: optionalText(),
  }),
  kafkaSaslPassword: variable({
    name: 'KAFKA_SASL_PASSWORD',
    description: 'SASL password. KAFKA_SASL_PASSWORD_FILE reads it from a file instead.',
    example: '<password>',
    secret: true,
    schema: optionalText(),
  }),
  kafkaGroupId: variable({
    name: 'KAFKA_GROUP_ID',
    description: 'Consumer group id. Committed offsets are stored under it.',
    defaultText: 'mediarithmics-deletion-connector',
    example: 'mediarithmics-deletion-connector',
    schema: z.string().optional().transform((raw) => (raw?.trim() ? raw.trim() : 'mediarithmics-deletion-connector')),
  }),
  kafkaClientId: variable({
    name: 'KAFKA_CLIENT_ID',
    description: 'Client id sent to the brokers, visible in broker logs and quotas.',
    defaultText: 'mediarithmics-deletion-connector',
    example: 'deletion-connector-eu',
    schema: z.string().optional().transform((raw) => (raw?.trim() ? raw.trim() : 'mediarithmics-deletion-connector')),
  }),
  apiUrl: variable({
    name: 'MEDIARITHMICS_API_URL',
    description: 'Base URL of the mediarithmics API, without the /v1 path.',
    defaultText: 'https://api.mediarithmics.com',
    example: 'https://api.mediarithmics.com',
    schema: z
      .string()
      .optional()
      .transform((raw, context) => {
        const text = raw?.trim() ? raw.trim() : 'https://api.mediarithmics.com';
        let url: URL;
        try {
          url = new URL(text);
        } catch {
          context.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
          return z.NEVER;
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          context.addIssue({ code: 'custom', message: 'must use http or https' });
          return z.NEVER;
        }
        return url.origin + url.pathname.replace(/\/+$/, '');
      }),
  }),
  apiToken: variable({
    name: 'MEDIARITHMICS_API_TOKEN',
    required: true,
    description:
      'mediarithmics API token, sent as-is in the Authorization header. Never logged. MEDIARITHMICS_API_TOKEN_FILE reads it from a file instead (a mounted secret).',
    example: '<long-term API token>',
    secret: true,
    schema: z
      .string()
      .transform((raw) => raw.trim())
      .refine((token) => token.length > 0, { message: 'must not be empty' })
      .refine((token) => !/\s/.test(token), { message: 'must not contain whitespace' }),
  }),
  datamartId: variable({
    name: 'MEDIARITHMICS_DATAMART_ID',
    required: true,
    description: 'Datamart that receives deletions of events without their own datamart_id.',
    example: '1509',
    schema: z.string().transform((raw) => raw.trim()).refine((id) => digits.test(id), { message: 'must be a datamart id made of digits' }),
  }),
  documentImportId: variable({
    name: 'MEDIARITHMICS_DOCUMENT_IMPORT_ID',
    description:
      'Document import that receives executions for the default datamart and DOCUMENT_TYPE. When absent, and for other datamarts and document types, the connector looks up the import named by MEDIARITHMICS_DOCUMENT_IMPORT_NAME with the right document type in the datamart, and creates it when none exists.',
    example: '31337',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim() : undefined))
      .refine((id) => id === undefined || digits.test(id), { message: 'must be a document import id made of digits' }),
  }),
  documentImportName: variable({
    name: 'MEDIARITHMICS_DOCUMENT_IMPORT_NAME',
    description: 'Name used to find or create the document import of each datamart and document type.',
    defaultText: 'consent-withdrawal-deletions',
    example: 'consent-withdrawal-deletions',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim() : 'consent-withdrawal-deletions'))
      .refine((name) => name.length <= 255, { message: 'must be at most 255 characters' }),
  }),
  windowMaxLines: variable({
    name: 'WINDOW_MAX_LINES',
    description: 'Maximum deletion lines in one execution. A window is sent as soon as it contains this many.',
    defaultText: '10000',
    example: '10000',
    schema: integer(1, 1_000_000, 10_000),
  }),
  windowMaxBytes: variable({
    name: 'WINDOW_MAX_BYTES',
    description: 'Maximum size of one execution body in bytes (lines plus newlines).',
    defaultText: '4194304 (4 MiB)',
    example: '4194304',
    schema: integer(1_024, 100 * 1024 * 1024, 4 * 1024 * 1024),
  }),
  windowMaxAgeMs: variable({
    name: 'WINDOW_MAX_AGE_MS',
    description: 'Maximum time in milliseconds between the first line entering a window and the window being sent.',
    defaultText: '10000 (10 s)',
    example: '10000',
    schema: integer(10, 3_600_000, 10_000),
  }),
  dlqTopic: variable({
    name: 'DLQ_TOPIC',
    description:
      'Dead-letter topic. Records that cannot become deletions are written there with their original key, value and headers plus dlq.* headers naming the source record, stage and reason; their offsets are committed only after Kafka acknowledged the dead letter. When absent, dead letters are only logged and counted.',
    example: 'consent-events-dlq',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim() : undefined))
      .refine((topic) => topic === undefined || topicName.test(topic), { message: 'must be a Kafka topic name (letters, digits, ".", "_", "-")' }),
  }),
  receiptsTopic: variable({
    name: 'RECEIPTS_TOPIC',
    description:
      'Audit topic. For every event whose lines the API accepted, a deletion_sent record keyed by event_id names the datamart, document import, execution ids and the time it was sent; each execution adds an execution_ended record once its outcome is known. Offsets wait for the deletion_sent records. When absent, no receipts are written.',
    example: 'consent-deletion-receipts',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim() : undefined))
      .refine((topic) => topic === undefined || topicName.test(topic), { message: 'must be a Kafka topic name (letters, digits, ".", "_", "-")' }),
  }),
  followUpIntervalMs: variable({
    name: 'EXECUTION_FOLLOW_UP_INTERVAL_MS',
    description: 'Time in milliseconds between two polls of the executions list while following accepted executions to their end; 0 turns the follow-up off.',
    defaultText: '30000 (30 s)',
    example: '30000',
    schema: integer(0, 3_600_000, 30_000),
  }),
  followUpTimeoutMs: variable({
    name: 'EXECUTION_FOLLOW_UP_TIMEOUT_MS',
    description: 'Time in milliseconds after which an execution that has not ended is logged and no longer followed.',
    defaultText: '21600000 (6 h)',
    example: '21600000',
    schema: integer(1_000, 7 * 24 * 3_600_000, 6 * 3_600_000),
  }),
  maxRecordBytes: variable({
    name: 'MAX_RECORD_BYTES',
    description: 'Records whose value is larger than this many bytes are rejected with reason record_too_large.',
    defaultText: '65536 (64 KiB)',
    example: '65536',
    schema: integer(256, 10 * 1024 * 1024, 64 * 1024),
  }),
  maxBufferedLines: variable({
    name: 'MAX_BUFFERED_LINES',
    description: 'Maximum deletion lines held in open and in-flight windows. Consumption pauses above it and resumes when windows drain.',
    defaultText: '30000',
    example: '30000',
    schema: integer(1, 10_000_000, 30_000),
  }),
  maxBufferedBytes: variable({
    name: 'MAX_BUFFERED_BYTES',
    description: 'Maximum bytes held in open and in-flight windows, counting the value of each record and its deletion lines. Consumption pauses above it.',
    defaultText: '16777216 (16 MiB)',
    example: '16777216',
    schema: integer(1_024, 2 * 1024 * 1024 * 1024, 16 * 1024 * 1024),
  }),
  maxConcurrentExecutions: variable({
    name: 'MEDIARITHMICS_MAX_CONCURRENT_EXECUTIONS',
    description: 'Maximum execution POSTs in flight at once, over all document imports.',
    defaultText: '2',
    example: '2',
    schema: integer(1, 64, 2),
  }),
  maxRequestsPerSecond: variable({
    name: 'MEDIARITHMICS_MAX_REQUESTS_PER_SECOND',
    description: 'Maximum API requests per second over every document import, retries included; 0 disables the limit.',
    defaultText: '10',
    example: '10',
    schema: integer(0, 10_000, 10),
  }),
  requestTimeoutMs: variable({
    name: 'MEDIARITHMICS_REQUEST_TIMEOUT_MS',
    description: 'Time in milliseconds after which an API request without a complete response is abandoned and retried.',
    defaultText: '30000 (30 s)',
    example: '30000',
    schema: integer(100, 600_000, 30_000),
  }),
  retryBaseDelayMs: variable({
    name: 'RETRY_BASE_DELAY_MS',
    description: 'First retry delay in milliseconds for a failed execution POST; it doubles per attempt, with full jitter.',
    defaultText: '500 (0.5 s)',
    example: '500',
    schema: integer(1, 60_000, 500),
  }),
  retryMaxDelayMs: variable({
    name: 'RETRY_MAX_DELAY_MS',
    description: 'Cap in milliseconds on one computed retry delay (Retry-After has its own cap, RETRY_AFTER_MAX_MS).',
    defaultText: '60000 (60 s)',
    example: '60000',
    schema: integer(1, 3_600_000, 60_000),
  }),
  retryAfterMaxMs: variable({
    name: 'RETRY_AFTER_MAX_MS',
    description: 'Cap in milliseconds on a delay asked for by a Retry-After header (seconds or HTTP date).',
    defaultText: '300000 (5 min)',
    example: '300000',
    schema: integer(0, 3_600_000, 300_000),
  }),
  authRetryDelayMs: variable({
    name: 'AUTH_RETRY_DELAY_MS',
    description: 'Delay in milliseconds between retries while the API responds 401 or 403; consumption stays paused meanwhile.',
    defaultText: '30000 (30 s)',
    example: '30000',
    schema: integer(10, 3_600_000, 30_000),
  }),
  rebalanceFlushTimeoutMs: variable({
    name: 'REBALANCE_FLUSH_TIMEOUT_MS',
    description:
      'When the group rebalances during a batch, time in milliseconds spent delivering and committing open windows before rejoining; it must stay below KAFKA_SESSION_TIMEOUT_MS. Windows not delivered by then stay uncommitted and are read again by the next owner.',
    defaultText: '10000 (10 s)',
    example: '10000',
    schema: integer(0, 300_000, 10_000),
  }),
  shutdownTimeoutMs: variable({
    name: 'SHUTDOWN_TIMEOUT_MS',
    description: 'Time in milliseconds that SIGTERM or SIGINT leaves to flush windows and commit before the process exits anyway.',
    defaultText: '25000 (25 s)',
    example: '25000',
    schema: integer(100, 3_600_000, 25_000),
  }),
  emailHashAlgorithm: variable({
    name: 'EMAIL_HASH_ALGORITHM',
    description: 'Hash applied to normalised email addresses; it must match what the datamart\'s other integrations use.',
    defaultText: 'sha256',
    example: 'sha256',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim().toLowerCase() : 'sha256'))
      .pipe(z.enum(['sha256', 'sha1', 'md5'], { message: 'must be sha256, sha1 or md5' })),
  }),
  documentType: variable({
    name: 'DOCUMENT_TYPE',
    description:
      'Document type of deletions: USER_POINTS_DELETION erases the whole user point of each identifier; USER_IDENTIFIERS_DELETION removes only the listed identifiers (no USER_POINT lines, no udp: agents).',
    defaultText: 'USER_POINTS_DELETION',
    example: 'USER_POINTS_DELETION',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim().toUpperCase() : 'USER_POINTS_DELETION'))
      .pipe(z.enum(documentTypes, { message: 'must be USER_POINTS_DELETION or USER_IDENTIFIERS_DELETION' })),
  }),
  documentTypeByEventType: variable({
    name: 'DOCUMENT_TYPE_BY_EVENT_TYPE',
    description: 'Per-event-type document types as event_type=DOCUMENT_TYPE pairs, overriding DOCUMENT_TYPE.',
    defaultText: 'none',
    example: 'erasure.requested=USER_POINTS_DELETION,consent.withdrawn=USER_IDENTIFIERS_DELETION',
    schema: pairList<(typeof eventTypes)[number], (typeof documentTypes)[number]>((key, value) => {
      if (!(eventTypes as readonly string[]).includes(key)) return `"${key}" is not an event type (${eventTypes.join(', ')})`;
      const type = value.toUpperCase();
      if (!(documentTypes as readonly string[]).includes(type)) return `"${value}" is not USER_POINTS_DELETION or USER_IDENTIFIERS_DELETION`;
      return [key as (typeof eventTypes)[number], type as (typeof documentTypes)[number]];
    }),
  }),
  emailNormalisation: variable({
    name: 'EMAIL_NORMALISATION',
    description:
      'Steps applied to raw email addresses before hashing, joined with +: trim (remove surrounding white space), lowercase, gmail (remove dots and +tag from gmail.com and googlemail.com local parts), or none.',
    defaultText: 'trim+lowercase',
    example: 'trim+lowercase+gmail',
    schema: z
      .string()
      .optional()
      .transform((raw, context) => {
        const parsed = parseNormalisation(raw?.trim() ? raw : 'trim+lowercase');
        if (typeof parsed === 'string') {
          context.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
  }),
  emailHashAlgorithmByDatamart: variable({
    name: 'EMAIL_HASH_ALGORITHM_BY_DATAMART',
    description: 'Per-datamart email hash algorithms as datamart=algorithm pairs, overriding EMAIL_HASH_ALGORITHM.',
    defaultText: 'none',
    example: '1509=sha256,2087=md5',
    schema: pairList<string, 'sha256' | 'sha1' | 'md5'>((key, value) => {
      if (!digits.test(key)) return `"${key}" is not a datamart id made of digits`;
      const algorithm = value.toLowerCase();
      if (algorithm !== 'sha256' && algorithm !== 'sha1' && algorithm !== 'md5') return `"${value}" is not sha256, sha1 or md5`;
      return [key, algorithm];
    }),
  }),
  emailNormalisationByDatamart: variable({
    name: 'EMAIL_NORMALISATION_BY_DATAMART',
    description: 'Per-datamart normalisation steps as datamart=steps pairs, overriding EMAIL_NORMALISATION.',
    defaultText: 'none',
    example: '2087=trim+lowercase+gmail',
    schema: pairList<string, { trim: boolean; lowerCase: boolean; gmailNormalisation: boolean }>((key, value) => {
      if (!digits.test(key)) return `"${key}" is not a datamart id made of digits`;
      const parsed = parseNormalisation(value);
      return typeof parsed === 'string' ? parsed : [key, parsed];
    }),
  }),
  triggerPurposes: variable({
    name: 'TRIGGER_PURPOSES',
    description:
      'Purposes, as namespace:id, whose withdrawal deletes for consent.withdrawn (without scope.all) and consent.updated events. When unset, any withdrawn purpose deletes; "none" means only erasures and withdrawals with scope.all delete.',
    defaultText: 'any withdrawn purpose',
    example: 'tcf:1,tcf:3,custom:marketing',
    schema: z
      .string()
      .optional()
      .transform((raw, context) => {
        if (raw === undefined || raw.trim() === '') return undefined;
        if (raw.trim().toLowerCase() === 'none') return [];
        const purposes: { namespace: string; id: string }[] = [];
        for (const item of raw.split(',').map((text) => text.trim()).filter((text) => text.length > 0)) {
          const separator = item.indexOf(':');
          if (separator <= 0 || separator === item.length - 1) {
            context.addIssue({ code: 'custom', message: `purpose "${item}" is not namespace:id` });
            continue;
          }
          purposes.push({ namespace: item.slice(0, separator), id: item.slice(separator + 1) });
        }
        return purposes;
      }),
  }),
  jurisdictions: variable({
    name: 'JURISDICTIONS',
    description:
      'Only events whose jurisdiction.regulation is in this list delete (compared without case); events of other or no jurisdiction are skipped. When unset, every jurisdiction deletes.',
    defaultText: 'all',
    example: 'gdpr,uk_gdpr',
    schema: z
      .string()
      .optional()
      .transform((raw) => {
        if (raw === undefined || raw.trim() === '') return undefined;
        return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
      }),
  }),
  userAgentPrefixes: variable({
    name: 'USER_AGENT_PREFIXES',
    description: 'user_agent_id prefixes accepted besides the built-in vec:, udp: and net: forms.',
    defaultText: 'none',
    example: 'web:,tech:',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw === undefined ? [] : raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0)))
      .refine((prefixes) => prefixes.every((prefix) => /^[a-z][a-z0-9_-]*:$/i.test(prefix)), { message: 'each prefix must be letters, digits, "_" or "-" ending with ":"' }),
  }),
  defaultCompartmentId: variable({
    name: 'MEDIARITHMICS_DEFAULT_COMPARTMENT_ID',
    description: 'Compartment for user_account identifiers without their own compartment_id. When absent, the line carries none and mediarithmics uses the datamart\'s default compartment.',
    example: '1000',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim() : undefined))
      .refine((id) => id === undefined || digits.test(id), { message: 'must be a compartment id made of digits' }),
  }),
  commitIntervalMs: variable({
    name: 'COMMIT_INTERVAL_MS',
    description: 'Minimum time in milliseconds between two offset commits. Settled offsets are committed at most this often, and once more on shutdown.',
    defaultText: '1000 (1 s)',
    example: '1000',
    schema: integer(0, 600_000, 1_000),
  }),
  sessionTimeoutMs: variable({
    name: 'KAFKA_SESSION_TIMEOUT_MS',
    description: 'Consumer group session timeout in milliseconds; the broker evicts a member that sends no heartbeat for this long.',
    defaultText: '30000 (30 s)',
    example: '30000',
    schema: integer(6_000, 300_000, 30_000),
  }),
  fetchMaxBytes: variable({
    name: 'KAFKA_FETCH_MAX_BYTES',
    description:
      'Maximum bytes one fetch from a broker returns over all its partitions. Each fetch response sits in memory until its records are settled, so this bounds the memory of the source stage; a record batch larger than the limit is still returned whole.',
    defaultText: '3145728 (3 MiB)',
    example: '3145728',
    schema: integer(64 * 1024, 256 * 1024 * 1024, 3 * 1024 * 1024),
  }),
  fetchMaxBytesPerPartition: variable({
    name: 'KAFKA_FETCH_MAX_BYTES_PER_PARTITION',
    description: 'Maximum bytes one fetch returns for a single partition; at most KAFKA_FETCH_MAX_BYTES.',
    defaultText: '524288 (512 KiB)',
    example: '524288',
    schema: integer(1024, 256 * 1024 * 1024, 512 * 1024),
  }),
  mappingFile: variable({
    name: 'MAPPING_FILE',
    description: 'JSON or YAML file that maps other event shapes onto the consent event contract (see docs/mapping-file.md). It is validated at start-up.',
    example: 'examples/mappings/crm-erasure.yaml',
    schema: optionalText(),
  }),
  schemaRegistryUrl: variable({
    name: 'SCHEMA_REGISTRY_URL',
    description:
      'Confluent-compatible Schema Registry for records in the Confluent wire format (Avro, JSON Schema, Protobuf). Without it, such records are dead-lettered as schema_registry_not_configured.',
    example: 'http://schema-registry:8081',
    schema: z
      .string()
      .optional()
      .transform((raw, context) => {
        if (raw === undefined || raw.trim() === '') return undefined;
        try {
          const url = new URL(raw.trim());
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
          return url.origin + url.pathname.replace(/\/+$/, '');
        } catch {
          context.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
          return z.NEVER;
        }
      }),
  }),
  schemaRegistryUsername: variable({
    name: 'SCHEMA_REGISTRY_USERNAME',
    description: 'Basic-auth user of the Schema Registry.',
    example: 'connector',
    schema: optionalText(),
  }),
  schemaRegistryPassword: variable({
    name: 'SCHEMA_REGISTRY_PASSWORD',
    description: 'Basic-auth password of the Schema Registry. SCHEMA_REGISTRY_PASSWORD_FILE reads it from a file instead.',
    example: '<password>',
    secret: true,
    schema: optionalText(),
  }),
  httpPort: variable({
    name: 'HTTP_PORT',
    description: 'Port of the health and metrics server (/healthz, /readyz, /metrics); 0 turns it off.',
    defaultText: '9464',
    example: '9464',
    schema: integer(0, 65_535, 9_464),
  }),
  httpHost: variable({
    name: 'HTTP_HOST',
    description: 'Address the health and metrics server listens on. The default listens on every interface, as probes in a pod need.',
    defaultText: '0.0.0.0',
    example: '0.0.0.0',
    schema: z.string().optional().transform((raw) => (raw?.trim() ? raw.trim() : '0.0.0.0')),
  }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    description: 'pino log level.',
    defaultText: 'info',
    example: 'info',
    schema: z
      .string()
      .optional()
      .transform((raw) => (raw?.trim() ? raw.trim().toLowerCase() : 'info'))
      .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be fatal, error, warn, info, debug, trace or silent' })),
  }),
};

export type Variables = typeof variables;
