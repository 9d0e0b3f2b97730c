import { createHash } from 'node:crypto';
import { interpretRecord } from '../../src/mapping/interpret.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConsentEvent, type ConsentEvent } from '../../src/contract/consent-event.ts';
import type { DeletionLine } from '../../src/mapping/lines.ts';
import { mapEvent, type MappingResult } from '../../src/mapping/map-event.ts';
import { defaultMappingPolicy, type MappingPolicy } from '../../src/mapping/policy.ts';
import {
  CONTRACT_EXAMPLES,
  JANEDOE_GMAIL_SHA256,
  JANE_DOT_TAG_GMAIL_SHA256,
  JANE_MD5,
  JANE_SHA1,
  JANE_SHA256,
  erasureEvent,
  eventWithIdentifiers,
} from '../contract/fixtures.ts';

const DATAMART = '1509';
const UUID = '95772db3-e762-45da-8cf1-4893debffae7';

function policy(change: (policy: MappingPolicy) => void = () => {}): MappingPolicy {
  const result = defaultMappingPolicy(DATAMART);
  change(result);
  return result;
}

function validEvent(value: unknown): ConsentEvent {
  const result = validateConsentEvent(value);
  if (result.kind !== 'valid') {
    throw new Error(`fixture is invalid: ${result.message}`);
  }
  return result.event;
}

function map(value: unknown, mappingPolicy: MappingPolicy = policy()): MappingResult {
  return mapEvent(validEvent(value), mappingPolicy);
}

function linesOf(result: MappingResult): readonly DeletionLine[] {
  assert.equal(result.kind, 'delete', JSON.stringify(result));
  return result.kind === 'delete' ? result.lines : [];
}

function skipReasonsOf(result: MappingResult): string[] {
  return result.kind === 'skipped' ? [] : result.skippedIdentifiers.map((skipped) => skipped.reason);
}

describe('mapEvent contract examples', () => {
  it('maps the erasure to an account line and an email line', () => {
    assert.deepEqual(map(JSON.parse(CONTRACT_EXAMPLES.erasure)), {
      kind: 'delete',
      eventId: '7c0e3a52-1f4b-4d8e-9a61-2b3c4d5e6f70',
      eventType: 'erasure.requested',
      datamartId: DATAMART,
      documentType: 'USER_POINTS_DELETION',
      occurredAt: '2026-11-02T09:15:00Z',
      occurredAtMs: Date.UTC(2026, 10, 2, 9, 15, 0),
      lines: [
        { type: 'USER_ACCOUNT', user_account_id: 'CRM-1001', compartment_id: '1000' },
        { type: 'USER_EMAIL', hash: JANE_SHA256 },
      ],
      texts: [
        '{"type":"USER_ACCOUNT","user_account_id":"CRM-1001","compartment_id":"1000"}',
        `{"type":"USER_EMAIL","hash":"${JANE_SHA256}"}`,
      ],
      skippedIdentifiers: [],
    });
  });

  it('maps the withdrawal of one purpose to a user agent line', () => {
    const result = map(JSON.parse(CONTRACT_EXAMPLES.withdrawal));
    assert.deepEqual(linesOf(result), [{ type: 'USER_AGENT', user_agent_id: 'vec:48122907' }]);
    assert.equal(result.kind === 'delete' && result.occurredAtMs, Date.UTC(2026, 10, 2, 9, 0, 0));
  });

  it('skips the grant', () => {
    assert.deepEqual(map(JSON.parse(CONTRACT_EXAMPLES.grant)), {
      kind: 'skipped',
      eventId: 'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e07',
      eventType: 'consent.granted',
      reason: 'event_not_deleting',
    });
  });
});

describe('mapEvent emails', () => {
  const cases: { name: string; email: string; change?: (policy: MappingPolicy) => void; hash: string }[] = [
    { name: 'mixed case and padding', email: '  Jane.Doe@Example.COM ', hash: JANE_SHA256 },
    { name: 'an already normal address', email: 'jane.doe@example.com', hash: JANE_SHA256 },
    { name: 'Gmail normalisation on', email: 'Jane.Doe+News@gmail.com', change: (p) => { p.email.gmailNormalisation = true; }, hash: JANEDOE_GMAIL_SHA256 },
    { name: 'Gmail normalisation off', email: 'Jane.Doe+News@gmail.com', hash: JANE_DOT_TAG_GMAIL_SHA256 },
    { name: 'SHA-1', email: 'Jane.Doe@example.com', change: (p) => { p.email.hashAlgorithm = 'sha1'; }, hash: JANE_SHA1 },
    { name: 'MD5', email: 'Jane.Doe@example.com', change: (p) => { p.email.hashAlgorithm = 'md5'; }, hash: JANE_MD5 },
  ];

  for (const testCase of cases) {
    it(`hashes with ${testCase.name}`, () => {
      const result = map(eventWithIdentifiers({ type: 'email', email: testCase.email }), policy(testCase.change));
      assert.deepEqual(linesOf(result), [{ type: 'USER_EMAIL', hash: testCase.hash }]);
    });
  }

  it('skips an email that is blank before the @ after trimming', () => {
    const result = map(eventWithIdentifiers({ type: 'email', email: '   @example.com' }, { type: 'user_agent', user_agent_id: 'vec:1' }));
    assert.deepEqual(linesOf(result), [{ type: 'USER_AGENT', user_agent_id: 'vec:1' }]);
    assert.deepEqual(result.kind === 'delete' && result.skippedIdentifiers, [{ index: 0, identifierType: 'email', reason: 'invalid_email' }]);
  });
});

describe('mapEvent email hashes', () => {
  const cases: { name: string; identifier: Record<string, unknown>; change?: (policy: MappingPolicy) => void; hash?: string; reason?: string }[] = [
    { name: 'a SHA-256 hash without algorithm', identifier: { hash: JANE_SHA256 }, hash: JANE_SHA256 },
    { name: 'an upper-case hash, lower-cased', identifier: { hash: JANE_SHA256.toUpperCase() }, hash: JANE_SHA256 },
    { name: 'a SHA-1 hash for a SHA-1 datamart', identifier: { hash: JANE_SHA1.toUpperCase(), algorithm: 'sha1' }, change: (p) => { p.email.hashAlgorithm = 'sha1'; }, hash: JANE_SHA1 },
    { name: 'an MD5 hash for an MD5 datamart', identifier: { hash: JANE_MD5, algorithm: 'md5' }, change: (p) => { p.email.hashAlgorithm = 'md5'; }, hash: JANE_MD5 },
    { name: 'a SHA-1 hash for a SHA-256 datamart', identifier: { hash: JANE_SHA1, algorithm: 'sha1' }, reason: 'email_hash_algorithm_mismatch' },
    { name: 'a SHA-256 hash for an MD5 datamart', identifier: { hash: JANE_SHA256 }, change: (p) => { p.email.hashAlgorithm = 'md5'; }, reason: 'email_hash_algorithm_mismatch' },
    { name: 'a SHA-1-length hash marked SHA-256', identifier: { hash: JANE_SHA1, algorithm: 'sha256' }, reason: 'email_hash_length_mismatch' },
    { name: 'a 63-digit hash', identifier: { hash: JANE_SHA256.slice(1) }, reason: 'email_hash_length_mismatch' },
    { name: 'an MD5-length hash marked SHA-1', identifier: { hash: JANE_MD5, algorithm: 'sha1' }, change: (p) => { p.email.hashAlgorithm = 'sha1'; }, reason: 'email_hash_length_mismatch' },
    { name: 'a hash with a non-hex digit', identifier: { hash: `${JANE_SHA256.slice(1)}g` }, reason: 'invalid_email_hash' },
  ];

  for (const testCase of cases) {
    it(`maps ${testCase.name}`, () => {
      const identifier = { type: 'email_hash', ...testCase.identifier };
      const result = map(eventWithIdentifiers(identifier, { type: 'user_agent', user_agent_id: 'vec:1' }), policy(testCase.change));
      const expectedLines: DeletionLine[] = testCase.hash === undefined ? [] : [{ type: 'USER_EMAIL', hash: testCase.hash }];
      expectedLines.push({ type: 'USER_AGENT', user_agent_id: 'vec:1' });
      assert.deepEqual(linesOf(result), expectedLines);
      assert.deepEqual(skipReasonsOf(result), testCase.reason === undefined ? [] : [testCase.reason]);
    });
  }

  it('sends an email and its hash once', () => {
    const result = map(eventWithIdentifiers({ type: 'email', email: 'Jane.Doe@example.com' }, { type: 'email_hash', hash: JANE_SHA256.toUpperCase() }));
    assert.deepEqual(linesOf(result), [{ type: 'USER_EMAIL', hash: JANE_SHA256 }]);
    assert.deepEqual(result.kind === 'delete' && result.skippedIdentifiers, [{ index: 1, identifierType: 'email_hash', reason: 'duplicate_line' }]);
  });
});

describe('mapEvent identifiers', () => {
  it('keeps good identifiers beside unknown types', () => {
    const result = map(
      eventWithIdentifiers(
        { type: 'phone', phone: '+33600000000' },
        { type: 'user_agent', user_agent_id: 'vec:1' },
        'not an object',
        { type: 'user_point', user_point_id: UUID },
        { email: 'no-type@example.com' },
      ),
    );
    assert.deepEqual(linesOf(result), [
      { type: 'USER_AGENT', user_agent_id: 'vec:1' },
      { type: 'USER_POINT', user_point_id: UUID },
    ]);
    assert.deepEqual(result.kind === 'delete' && result.skippedIdentifiers, [
      { index: 0, identifierType: 'unknown', reason: 'unknown_identifier_type' },
      { index: 2, identifierType: 'unknown', reason: 'invalid_identifier' },
      { index: 4, identifierType: 'unknown', reason: 'invalid_identifier' },
    ]);
  });

  it('lower-cases an upper-case user point id', () => {
    const result = map(eventWithIdentifiers({ type: 'user_point', user_point_id: UUID.toUpperCase() }));
    assert.deepEqual(linesOf(result), [{ type: 'USER_POINT', user_point_id: UUID }]);
  });

  it('uses the default compartment for accounts without one', () => {
    const result = map(
      eventWithIdentifiers({ type: 'user_account', user_account_id: 'A' }, { type: 'user_account', user_account_id: 'B', compartment_id: '7' }),
      policy((p) => { p.defaultCompartmentId = '1000'; }),
    );
    assert.deepEqual(linesOf(result), [
      { type: 'USER_ACCOUNT', user_account_id: 'A', compartment_id: '1000' },
      { type: 'USER_ACCOUNT', user_account_id: 'B', compartment_id: '7' },
    ]);
  });

  it('omits the compartment without a default', () => {
    const result = map(eventWithIdentifiers({ type: 'user_account', user_account_id: 'A' }));
    const lines = linesOf(result);
    assert.deepEqual(lines, [{ type: 'USER_ACCOUNT', user_account_id: 'A' }]);
    assert.equal(Object.hasOwn(lines[0] ?? {}, 'compartment_id'), false);
  });

  it('merges an explicit and a default compartment that are equal', () => {
    const result = map(
      eventWithIdentifiers({ type: 'user_account', user_account_id: 'A' }, { type: 'user_account', user_account_id: 'A', compartment_id: '1000' }),
      policy((p) => { p.defaultCompartmentId = '1000'; }),
    );
    assert.deepEqual(linesOf(result), [{ type: 'USER_ACCOUNT', user_account_id: 'A', compartment_id: '1000' }]);
    assert.deepEqual(skipReasonsOf(result), ['duplicate_line']);
  });

  it('skips an account id with a lone surrogate', () => {
    const result = map(eventWithIdentifiers({ type: 'user_account', user_account_id: 'A\ud800' }, { type: 'user_agent', user_agent_id: 'vec:1' }));
    assert.deepEqual(skipReasonsOf(result), ['invalid_user_account_id']);
  });

  it('skips oversize identifiers', () => {
    const result = map(
      eventWithIdentifiers(
        { type: 'email', email: `${'a'.repeat(250)}@example.com` },
        { type: 'user_account', user_account_id: 'x'.repeat(257) },
        { type: 'user_agent', user_agent_id: `net:1:${'x'.repeat(251)}` },
        { type: 'user_agent', user_agent_id: 'vec:1' },
      ),
    );
    assert.deepEqual(linesOf(result), [{ type: 'USER_AGENT', user_agent_id: 'vec:1' }]);
    assert.deepEqual(skipReasonsOf(result), ['identifier_too_long', 'identifier_too_long', 'identifier_too_long']);
  });

  it('accepts configured user agent prefixes', () => {
    const result = map(
      eventWithIdentifiers({ type: 'user_agent', user_agent_id: 'web:321:abcd' }, { type: 'user_agent', user_agent_id: 'tech:apx:1' }),
      policy((p) => { p.extraUserAgentPrefixes = ['web:']; }),
    );
    assert.deepEqual(linesOf(result), [{ type: 'USER_AGENT', user_agent_id: 'web:321:abcd' }]);
    assert.deepEqual(skipReasonsOf(result), ['unknown_user_agent_prefix']);
  });

  it('emits duplicate lines once', () => {
    const result = map(
      eventWithIdentifiers(
        { type: 'user_agent', user_agent_id: 'vec:1' },
        { type: 'user_agent', user_agent_id: 'vec:1' },
        { type: 'user_agent', user_agent_id: 'vec:2' },
        { type: 'user_agent', user_agent_id: 'vec:1' },
      ),
    );
    assert.deepEqual(linesOf(result), [
      { type: 'USER_AGENT', user_agent_id: 'vec:1' },
      { type: 'USER_AGENT', user_agent_id: 'vec:2' },
    ]);
    assert.deepEqual(result.kind === 'delete' && result.skippedIdentifiers.map((s) => s.index), [1, 3]);
  });
});

describe('mapEvent document types', () => {
  const identifiersDeletion = (p: MappingPolicy): void => {
    p.documentType = 'USER_IDENTIFIERS_DELETION';
  };

  it('skips user points and udp ids for identifiers deletion', () => {
    const result = map(
      eventWithIdentifiers(
        { type: 'user_point', user_point_id: UUID },
        { type: 'user_agent', user_agent_id: 'udp:987654' },
        { type: 'user_agent', user_agent_id: 'vec:1' },
        { type: 'user_account', user_account_id: 'A' },
      ),
      policy(identifiersDeletion),
    );
    assert.equal(result.kind === 'delete' && result.documentType, 'USER_IDENTIFIERS_DELETION');
    assert.deepEqual(linesOf(result), [
      { type: 'USER_AGENT', user_agent_id: 'vec:1' },
      { type: 'USER_ACCOUNT', user_account_id: 'A' },
    ]);
    assert.deepEqual(result.kind === 'delete' && result.skippedIdentifiers, [
      { index: 0, identifierType: 'user_point', reason: 'not_supported_by_document_type' },
      { index: 1, identifierType: 'user_agent', reason: 'not_supported_by_document_type' },
    ]);
  });

  it('sends user points and udp ids for user points deletion', () => {
    const result = map(eventWithIdentifiers({ type: 'user_point', user_point_id: UUID }, { type: 'user_agent', user_agent_id: 'udp:987654' }));
    assert.deepEqual(linesOf(result), [
      { type: 'USER_POINT', user_point_id: UUID },
      { type: 'USER_AGENT', user_agent_id: 'udp:987654' },
    ]);
  });

  it('rejects an event left with only a user point', () => {
    const result = map(eventWithIdentifiers({ type: 'user_point', user_point_id: UUID }), policy(identifiersDeletion));
    assert.equal(result.kind, 'rejected');
    assert.equal(result.kind === 'rejected' && result.reason, 'no_usable_identifier');
  });
});

describe('mapEvent deletion decision', () => {
  const withdrawn = (...ids: string[]): { namespace: string; id: string }[] => ids.map((id) => ({ namespace: 'tcf', id }));
  const onlyPurpose1 = (p: MappingPolicy): void => {
    p.triggerPurposes = [{ namespace: 'tcf', id: '1' }];
  };

  const cases: { name: string; fields: Record<string, unknown>; change?: (policy: MappingPolicy) => void; expected: string }[] = [
    { name: 'an erasure', fields: { event_type: 'erasure.requested' }, expected: 'delete' },
    { name: 'an erasure with scope.all false', fields: { event_type: 'erasure.requested', scope: { all: false } }, change: onlyPurpose1, expected: 'delete' },
    { name: 'a grant', fields: { event_type: 'consent.granted' }, expected: 'event_not_deleting' },
    { name: 'a withdrawal without scope', fields: { event_type: 'consent.withdrawn' }, expected: 'delete' },
    { name: 'a withdrawal of everything', fields: { event_type: 'consent.withdrawn', scope: { all: true } }, change: onlyPurpose1, expected: 'delete' },
    { name: 'a withdrawal with purposes but no all', fields: { event_type: 'consent.withdrawn', scope: { withdrawn: withdrawn('9') } }, change: onlyPurpose1, expected: 'delete' },
    { name: 'a partial withdrawal with any trigger', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: withdrawn('9') } }, expected: 'delete' },
    { name: 'a partial withdrawal of a trigger', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: withdrawn('9', '1') } }, change: onlyPurpose1, expected: 'delete' },
    { name: 'a partial withdrawal of other purposes', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: withdrawn('9', '10') } }, change: onlyPurpose1, expected: 'no_triggering_purpose' },
    { name: 'a trigger id in another namespace', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: [{ namespace: 'custom', id: '1' }] } }, change: onlyPurpose1, expected: 'no_triggering_purpose' },
    { name: 'a partial withdrawal of nothing', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: [] } }, expected: 'no_triggering_purpose' },
    { name: 'a partial withdrawal without list', fields: { event_type: 'consent.withdrawn', scope: { all: false } }, expected: 'no_triggering_purpose' },
    { name: 'a partial withdrawal with an empty trigger list', fields: { event_type: 'consent.withdrawn', scope: { all: false, withdrawn: withdrawn('1') } }, change: (p) => { p.triggerPurposes = []; }, expected: 'no_triggering_purpose' },
    { name: 'an update withdrawing a purpose', fields: { event_type: 'consent.updated', scope: { all: false, withdrawn: withdrawn('3') } }, expected: 'delete' },
    { name: 'an update withdrawing a trigger', fields: { event_type: 'consent.updated', scope: { withdrawn: withdrawn('1') } }, change: onlyPurpose1, expected: 'delete' },
    { name: 'an update withdrawing other purposes', fields: { event_type: 'consent.updated', scope: { withdrawn: withdrawn('2') } }, change: onlyPurpose1, expected: 'no_triggering_purpose' },
    { name: 'an update withdrawing nothing', fields: { event_type: 'consent.updated', scope: { all: true, withdrawn: [] } }, expected: 'no_triggering_purpose' },
    { name: 'an update without scope', fields: { event_type: 'consent.updated' }, expected: 'no_triggering_purpose' },
    { name: 'a selected jurisdiction', fields: { jurisdiction: { regulation: 'gdpr' } }, change: (p) => { p.jurisdictions = ['gdpr', 'uk_gdpr']; }, expected: 'delete' },
    { name: 'a jurisdiction in another case', fields: { jurisdiction: { regulation: 'GDPR' } }, change: (p) => { p.jurisdictions = ['gdpr']; }, expected: 'delete' },
    { name: 'another jurisdiction', fields: { jurisdiction: { regulation: 'ccpa' } }, change: (p) => { p.jurisdictions = ['gdpr', 'uk_gdpr']; }, expected: 'jurisdiction_not_selected' },
    { name: 'no jurisdiction under a filter', fields: {}, change: (p) => { p.jurisdictions = ['gdpr']; }, expected: 'jurisdiction_missing' },
    { name: 'a jurisdiction without regulation under a filter', fields: { jurisdiction: {} }, change: (p) => { p.jurisdictions = ['gdpr']; }, expected: 'jurisdiction_missing' },
    { name: 'any jurisdiction without a filter', fields: { jurisdiction: { regulation: 'lgpd' } }, expected: 'delete' },
    { name: 'a grant under a jurisdiction filter', fields: { event_type: 'consent.granted', jurisdiction: { regulation: 'ccpa' } }, change: (p) => { p.jurisdictions = ['gdpr']; }, expected: 'event_not_deleting' },
  ];

  for (const testCase of cases) {
    const outcome = testCase.expected === 'delete' ? 'deletes' : `skips (${testCase.expected})`;
    it(`${outcome} ${testCase.name}`, () => {
      const result = map(erasureEvent(testCase.fields), policy(testCase.change));
      assert.equal(result.kind === 'skipped' ? result.reason : result.kind, testCase.expected);
    });
  }
});

describe('mapEvent routing', () => {
  it('routes to the event datamart', () => {
    const result = map(erasureEvent({ datamart_id: '42' }));
    assert.equal(result.kind === 'delete' && result.datamartId, '42');
  });

  it('routes to the default datamart', () => {
    const result = map(erasureEvent());
    assert.equal(result.kind === 'delete' && result.datamartId, DATAMART);
  });

  it('keeps occurred_at as given and converts a leap second', () => {
    const result = map(erasureEvent({ occurred_at: '2016-12-31T23:59:60.250+00:00' }));
    assert.equal(result.kind === 'delete' && result.occurredAt, '2016-12-31T23:59:60.250+00:00');
    assert.equal(result.kind === 'delete' && result.occurredAtMs, Date.UTC(2017, 0, 1, 0, 0, 0, 250));
  });
});

describe('mapEvent rejections', () => {
  it('rejects an event without usable identifier', () => {
    const result = map(
      eventWithIdentifiers(
        { type: 'email', email: 'jane@' + 'x'.repeat(260) },
        { type: 'email_hash', hash: JANE_SHA1, algorithm: 'sha1' },
        { type: 'phone', phone: '+33600000000' },
        { type: 'user_agent', user_agent_id: 'jane@example.com' },
      ),
    );
    assert.deepEqual(result, {
      kind: 'rejected',
      stage: 'map',
      eventId: 'evt-1',
      reason: 'no_usable_identifier',
      message:
        'no usable identifier among 4 (identifier_too_long: 1, email_hash_algorithm_mismatch: 1, unknown_identifier_type: 1, unknown_user_agent_prefix: 1)',
      skippedIdentifiers: [
        { index: 0, identifierType: 'email', reason: 'identifier_too_long' },
        { index: 1, identifierType: 'email_hash', reason: 'email_hash_algorithm_mismatch' },
        { index: 2, identifierType: 'unknown', reason: 'unknown_identifier_type' },
        { index: 3, identifierType: 'user_agent', reason: 'unknown_user_agent_prefix' },
      ],
    });
  });

  it('counts repeated reasons in the message', () => {
    const result = map(eventWithIdentifiers({ type: 'fax' }, { type: 'phone' }));
    assert.equal(result.kind === 'rejected' && result.message, 'no usable identifier among 2 (unknown_identifier_type: 2)');
  });
});

describe('per-datamart and per-event-type settings', () => {
  it('hash emails with the algorithm of the routed datamart', () => {
    const policy = defaultMappingPolicy('7');
    policy.emailByDatamart.set('42', { trim: true, lowerCase: true, gmailNormalisation: true, hashAlgorithm: 'md5' });
    const event = {
      event_id: 'e-1',
      event_type: 'erasure.requested',
      occurred_at: '2026-11-02T09:15:00Z',
      datamart_id: '42',
      identifiers: [{ type: 'email', email: 'Jane.Doe+news@GMail.com' }],
    };
    const routed = interpretRecord(Buffer.from(JSON.stringify(event)), policy);
    assert.equal(routed.kind, 'delete');
    assert.deepEqual(routed.kind === 'delete' && routed.lines, [{ type: 'USER_EMAIL', hash: createHash('md5').update('janedoe@gmail.com').digest('hex') }]);

    const fallback = interpretRecord(Buffer.from(JSON.stringify({ ...event, datamart_id: undefined })), policy);
    assert.deepEqual(fallback.kind === 'delete' && fallback.lines, [{ type: 'USER_EMAIL', hash: createHash('sha256').update('jane.doe+news@gmail.com').digest('hex') }]);
  });

  it('pick the document type by event type', () => {
    const policy = defaultMappingPolicy('7');
    policy.documentTypeByEventType['consent.withdrawn'] = 'USER_IDENTIFIERS_DELETION';
    const withdrawal = {
      event_id: 'e-2',
      event_type: 'consent.withdrawn',
      occurred_at: '2026-11-02T09:15:00Z',
      identifiers: [
        { type: 'user_point', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' },
        { type: 'user_agent', user_agent_id: 'vec:1' },
      ],
    };
    const mapped = interpretRecord(Buffer.from(JSON.stringify(withdrawal)), policy);
    assert.equal(mapped.kind === 'delete' && mapped.documentType, 'USER_IDENTIFIERS_DELETION');
    assert.deepEqual(mapped.kind === 'delete' && mapped.lines, [{ type: 'USER_AGENT', user_agent_id: 'vec:1' }]);
    assert.deepEqual(mapped.kind === 'delete' && mapped.skippedIdentifiers.map((skipped) => skipped.reason), ['not_supported_by_document_type']);

    const erasure = interpretRecord(Buffer.from(JSON.stringify({ ...withdrawal, event_type: 'erasure.requested' })), policy);
    assert.equal(erasure.kind === 'delete' && erasure.documentType, 'USER_POINTS_DELETION');
    assert.equal(erasure.kind === 'delete' && erasure.lines.length, 2);
  });
});

describe('defaultMappingPolicy', () => {
  it('returns the documented defaults', () => {
    assert.deepEqual(defaultMappingPolicy('7'), {
      defaultDatamartId: '7',
      documentType: 'USER_POINTS_DELETION',
      documentTypeByEventType: {},
      email: { trim: true, lowerCase: true, gmailNormalisation: false, hashAlgorithm: 'sha256' },
      emailByDatamart: new Map(),
      extraUserAgentPrefixes: [],
    });
  });

  it('returns a fresh object each call', () => {
    const first = defaultMappingPolicy('7');
    first.email.hashAlgorithm = 'md5';
    first.extraUserAgentPrefixes.push('web:');
    assert.equal(defaultMappingPolicy('7').email.hashAlgorithm, 'sha256');
    assert.deepEqual(defaultMappingPolicy('7').extraUserAgentPrefixes, []);
  });
});
