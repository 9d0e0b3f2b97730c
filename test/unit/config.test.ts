import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const valid = {
  KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
  KAFKA_TOPICS: 'consent-events',
  MEDIARITHMICS_API_TOKEN: 'secret-token-value',
  MEDIARITHMICS_DATAMART_ID: '1509',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('configuration was accepted');
}

test('config applies documented defaults', () => {
  const config = loadConfig(valid);
  assert.deepEqual(config.kafka.brokers, ['kafka-1:9092', 'kafka-2:9092']);
  assert.equal(config.kafka.groupId, 'mediarithmics-deletion-connector');
  assert.equal(config.api.url, 'https://api.mediarithmics.com');
  assert.equal(config.api.documentImportName, 'consent-withdrawal-deletions');
  assert.equal(config.api.documentImportId, undefined);
  assert.deepEqual(config.window, { maxLines: 10_000, maxBytes: 4 * 1024 * 1024, maxAgeMs: 10_000 });
  assert.equal(config.logLevel, 'info');
  assert.equal(config.mapping.emailHashAlgorithm, 'sha256');
});

test('config lists every missing variable with an example', () => {
  const found = problems({});
  assert.equal(found.length, 4);
  for (const name of ['KAFKA_BROKERS', 'KAFKA_TOPICS', 'MEDIARITHMICS_API_TOKEN', 'MEDIARITHMICS_DATAMART_ID']) {
    const problem = found.find((text) => text.startsWith(`${name} is required`));
    assert.ok(problem, `missing ${name} is reported`);
    assert.match(problem!, new RegExp(`Example: ${name}=`));
  }
});

test('config names the variable, the bad value and an example', () => {
  const found = problems({ ...valid, WINDOW_MAX_LINES: 'many', KAFKA_BROKERS: 'kafka-1', MEDIARITHMICS_DATAMART_ID: 'dm-1' });
  assert.deepEqual(found, [
    'KAFKA_BROKERS="kafka-1" is invalid: each entry must be a host:port. Example: KAFKA_BROKERS=kafka-1:9092,kafka-2:9092',
    'MEDIARITHMICS_DATAMART_ID="dm-1" is invalid: must be a datamart id made of digits. Example: MEDIARITHMICS_DATAMART_ID=1509',
    'WINDOW_MAX_LINES="many" is invalid: must be a whole number. Example: WINDOW_MAX_LINES=10000',
  ]);
});

test('config never echoes the token', () => {
  const found = problems({ ...valid, MEDIARITHMICS_API_TOKEN: 'abc def' });
  assert.equal(found.length, 1);
  assert.ok(found[0]!.includes('MEDIARITHMICS_API_TOKEN=<redacted>'));
  assert.ok(!found[0]!.includes('abc def'));
});

test('config rejects unknown connector variables and inconsistent limits', () => {
  const found = problems({ ...valid, WINDOW_MAX_LINE: '10' });
  assert.equal(found.length, 1);
  assert.match(found[0]!, /^WINDOW_MAX_LINE is not a known variable/);

  const limits = problems({ ...valid, WINDOW_MAX_LINES: '5000', MAX_BUFFERED_LINES: '100' });
  assert.equal(limits.length, 1);
  assert.match(limits[0]!, /^MAX_BUFFERED_LINES=100 is invalid: it must be at least WINDOW_MAX_LINES=5000/);
});

test('config bounds the Kafka fetch sizes', () => {
  const defaults = loadConfig(valid);
  assert.equal(defaults.kafka.fetchMaxBytes, 3 * 1024 * 1024);
  assert.equal(defaults.kafka.fetchMaxBytesPerPartition, 512 * 1024);

  assert.deepEqual(problems({ ...valid, KAFKA_FETCH_MAX_BYTES: '1048576', KAFKA_FETCH_MAX_BYTES_PER_PARTITION: '2097152' }), [
    'KAFKA_FETCH_MAX_BYTES_PER_PARTITION=2097152 is invalid: it must be at most KAFKA_FETCH_MAX_BYTES=1048576. Example: KAFKA_FETCH_MAX_BYTES_PER_PARTITION=524288',
  ]);
  const [tooSmall] = problems({ ...valid, KAFKA_FETCH_MAX_BYTES: '1000' });
  assert.match(tooSmall!, /^KAFKA_FETCH_MAX_BYTES="1000" is invalid: .*Example: KAFKA_FETCH_MAX_BYTES=3145728$/);
});

test('config builds the mapping policy from the policy variables', async () => {
  const { mappingPolicyFrom } = await import('../../src/config/mapping-policy.ts');
  const config = loadConfig({
    ...valid,
    DOCUMENT_TYPE: 'user_identifiers_deletion',
    DOCUMENT_TYPE_BY_EVENT_TYPE: 'erasure.requested=USER_POINTS_DELETION',
    EMAIL_NORMALISATION: 'trim',
    EMAIL_HASH_ALGORITHM: 'sha1',
    EMAIL_HASH_ALGORITHM_BY_DATAMART: '2087=md5',
    EMAIL_NORMALISATION_BY_DATAMART: '3000=trim+lowercase+gmail',
    TRIGGER_PURPOSES: 'tcf:1, custom:marketing',
    JURISDICTIONS: 'gdpr,uk_gdpr',
    USER_AGENT_PREFIXES: 'web:,tech:',
    MEDIARITHMICS_DEFAULT_COMPARTMENT_ID: '1000',
  });
  const policy = mappingPolicyFrom(config);
  assert.equal(policy.documentType, 'USER_IDENTIFIERS_DELETION');
  assert.deepEqual(policy.documentTypeByEventType, { 'erasure.requested': 'USER_POINTS_DELETION' });
  assert.deepEqual(policy.email, { trim: true, lowerCase: false, gmailNormalisation: false, hashAlgorithm: 'sha1' });
  assert.deepEqual(policy.emailByDatamart.get('2087'), { trim: true, lowerCase: false, gmailNormalisation: false, hashAlgorithm: 'md5' });
  assert.deepEqual(policy.emailByDatamart.get('3000'), { trim: true, lowerCase: true, gmailNormalisation: true, hashAlgorithm: 'sha1' });
  assert.deepEqual(policy.triggerPurposes, [
    { namespace: 'tcf', id: '1' },
    { namespace: 'custom', id: 'marketing' },
  ]);
  assert.deepEqual(policy.jurisdictions, ['gdpr', 'uk_gdpr']);
  assert.deepEqual(policy.extraUserAgentPrefixes, ['web:', 'tech:']);
  assert.equal(policy.defaultCompartmentId, '1000');
  assert.equal(mappingPolicyFrom(loadConfig({ ...valid, TRIGGER_PURPOSES: 'none' })).triggerPurposes?.length, 0);
});

test('config rejects malformed policy variables', () => {
  const found = problems({
    ...valid,
    DOCUMENT_TYPE_BY_EVENT_TYPE: 'consent.revoked=USER_POINTS_DELETION',
    EMAIL_NORMALISATION: 'trim+strip',
    TRIGGER_PURPOSES: 'tcf',
    EMAIL_HASH_ALGORITHM_BY_DATAMART: '2087=sha512',
  });
  assert.equal(found.length, 4);
  assert.match(found[0]!, /^DOCUMENT_TYPE_BY_EVENT_TYPE="consent.revoked=USER_POINTS_DELETION" is invalid: "consent.revoked" is not an event type/);
  assert.match(found[1]!, /^EMAIL_NORMALISATION="trim\+strip" is invalid: unknown normalisation step "strip"/);
  assert.match(found[2]!, /^EMAIL_HASH_ALGORITHM_BY_DATAMART="2087=sha512" is invalid: "sha512" is not sha256, sha1 or md5/);
  assert.match(found[3]!, /^TRIGGER_PURPOSES="tcf" is invalid: purpose "tcf" is not namespace:id/);
});

test('config reads secrets from files and rejects both forms at once', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const folder = mkdtempSync(join(tmpdir(), 'secrets-'));
  try {
    writeFileSync(join(folder, 'token'), 'token-from-file\n');
    const { MEDIARITHMICS_API_TOKEN: _token, ...withoutToken } = valid;
    const config = loadConfig({ ...withoutToken, MEDIARITHMICS_API_TOKEN_FILE: join(folder, 'token') });
    assert.equal(config.api.token, 'token-from-file');

    const both = problems({ ...valid, MEDIARITHMICS_API_TOKEN_FILE: join(folder, 'token') });
    assert.deepEqual(both.length, 1);
    assert.match(both[0]!, /^MEDIARITHMICS_API_TOKEN_FILE is invalid: MEDIARITHMICS_API_TOKEN is set too/);

    const missing = problems({ ...withoutToken, MEDIARITHMICS_API_TOKEN_FILE: join(folder, 'absent') });
    assert.match(missing[0]!, /MEDIARITHMICS_API_TOKEN_FILE=".*absent" is invalid: the file cannot be read \(ENOENT\)/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('config builds Kafka TLS and SASL settings', () => {
  const config = loadConfig({ ...valid, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'connector', KAFKA_SASL_PASSWORD: 'secret', KAFKA_SSL: 'true' });
  assert.deepEqual(config.kafka.sasl, { mechanism: 'scram-sha-512', username: 'connector', password: 'secret' });
  assert.deepEqual(config.kafka.ssl, { ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: true });
  assert.equal(loadConfig(valid).kafka.ssl, undefined);

  const incomplete = problems({ ...valid, KAFKA_SASL_MECHANISM: 'plain' });
  assert.match(incomplete[0]!, /^KAFKA_SASL_MECHANISM="plain" is invalid: it needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
  const unknown = problems({ ...valid, KAFKA_SASL_MECHANISM: 'gssapi' });
  assert.match(unknown[0]!, /^KAFKA_SASL_MECHANISM="gssapi" is invalid: must be plain, scram-sha-256 or scram-sha-512/);
});

test('heap estimate of the default bounds', async () => {
  const { heapShortfall } = await import('../../src/config/heap-room.ts');
  const MiB = 1024 * 1024;
  const config = loadConfig(valid);

  // 64 MiB base + 4 x 16 MiB held + 2 x 3 MiB fetches + 2 x 2 x 4 MiB bodies.
  assert.equal(heapShortfall(config, 150 * MiB), undefined);
  assert.deepEqual(heapShortfall(config, 149 * MiB), { neededBytes: 150 * MiB, heapLimitBytes: 149 * MiB });
});
