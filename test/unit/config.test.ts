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
