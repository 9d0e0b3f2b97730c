import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConsentEvent } from '../../../src/contract/consent-event.ts';
import { appliesTo, applyMapping, type SourceMappingResult } from '../../../src/mapping/declarative/apply.ts';
import { compileMapping } from '../../../src/mapping/declarative/load.ts';
import type { Mapping } from '../../../src/mapping/declarative/mapping.ts';
import { mapEvent } from '../../../src/mapping/map-event.ts';
import { defaultMappingPolicy } from '../../../src/mapping/policy.ts';

const BASE = {
  version: 1,
  event_id: '/id',
  occurred_at: { pointer: '/at' },
  event_type: { pointer: '/status', values: { revoked: 'consent.withdrawn', erase: 'erasure.requested' } },
  identifiers: [{ type: 'user_agent', pointer: '/cookie', prefix: 'vec:' }],
};

const SOURCE = { id: 'evt-1', at: '2026-11-02T09:15:00Z', status: 'erase', cookie: '123' };

function mappingWith(changes: Record<string, unknown> = {}): Mapping {
  return compileMapping({ ...BASE, ...changes }, 'test.json');
}

function eventOf(result: SourceMappingResult): Record<string, unknown> {
  assert.equal(result.kind, 'event', result.kind === 'rejected' ? result.message : '');
  return result.kind === 'event' ? result.event : {};
}

function rejectionOf(result: SourceMappingResult): [string, string, string | undefined] {
  assert.equal(result.kind, 'rejected');
  return result.kind === 'rejected' ? [result.reason, result.message, result.eventId] : ['', '', undefined];
}

function applyTo(source: Record<string, unknown>, changes: Record<string, unknown> = {}): SourceMappingResult {
  return applyMapping(source, mappingWith(changes));
}

function identifiersOf(source: Record<string, unknown>, identifiers: unknown[]): unknown {
  return eventOf(applyTo(source, { identifiers })).identifiers;
}

describe('appliesTo', () => {
  it('applies to every topic without a topic list', () => {
    const mapping = mappingWith();
    assert.equal(appliesTo(mapping, 'consent-events'), true);
    assert.equal(appliesTo(mapping, 'anything'), true);
  });

  it('applies only to listed topics', () => {
    const mapping = mappingWith({ topics: ['cmp-webhooks', 'crm-requests'] });
    assert.equal(appliesTo(mapping, 'cmp-webhooks'), true);
    assert.equal(appliesTo(mapping, 'crm-requests'), true);
    assert.equal(appliesTo(mapping, 'consent-events'), false);
    assert.equal(appliesTo(mapping, 'CMP-WEBHOOKS'), false);
  });
});

describe('applyMapping envelope', () => {
  it('builds the consent event in contract field order', () => {
    const event = eventOf(applyTo(SOURCE));
    assert.deepEqual(event, {
      event_id: 'evt-1',
      event_type: 'erasure.requested',
      occurred_at: '2026-11-02T09:15:00Z',
      identifiers: [{ type: 'user_agent', user_agent_id: 'vec:123' }],
    });
    assert.deepEqual(Object.keys(event), ['event_id', 'event_type', 'occurred_at', 'identifiers']);
  });

  it('leaves the source event unchanged', () => {
    const source = structuredClone(SOURCE);
    applyTo(source);
    assert.deepEqual(source, SOURCE);
  });

  it('rejects a missing event_id', () => {
    const { id: _id, ...source } = SOURCE;
    assert.deepEqual(rejectionOf(applyTo(source)), ['missing_field', 'event_id source /id is missing or null', undefined]);
  });

  it('treats a null event_id as missing', () => {
    assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, id: null })), ['missing_field', 'event_id source /id is missing or null', undefined]);
  });

  it('copies a non-string event_id for validation to reject', () => {
    const event = eventOf(applyTo({ ...SOURCE, id: 42 }));
    assert.equal(event.event_id, 42);
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.reason, 'invalid_field');
  });

  it('reports the event id in later rejections', () => {
    const { at: _at, ...source } = SOURCE;
    assert.deepEqual(rejectionOf(applyTo(source)), ['missing_field', 'occurred_at source /at is missing or null', 'evt-1']);
  });

  it('leaves out an event id that is not a valid event_id', () => {
    const { at: _at, ...source } = SOURCE;
    assert.equal(rejectionOf(applyTo({ ...source, id: 7 }))[2], undefined);
    assert.equal(rejectionOf(applyTo({ ...source, id: '' }))[2], undefined);
    assert.equal(rejectionOf(applyTo({ ...source, id: 'x'.repeat(129) }))[2], undefined);
    assert.equal(rejectionOf(applyTo({ ...source, id: 'x'.repeat(128) }))[2], 'x'.repeat(128));
  });

  it('sets a fixed datamart_id', () => {
    assert.equal(eventOf(applyTo(SOURCE, { datamart_id: '1510' })).datamart_id, '1510');
  });

  it('reads datamart_id through a pointer', () => {
    const changes = { datamart_id: '/tenant/datamart' };
    assert.equal(eventOf(applyTo({ ...SOURCE, tenant: { datamart: '1511' } }, changes)).datamart_id, '1511');
    assert.equal(Object.hasOwn(eventOf(applyTo(SOURCE, changes)), 'datamart_id'), false);
    assert.equal(Object.hasOwn(eventOf(applyTo({ ...SOURCE, tenant: { datamart: null } }, changes)), 'datamart_id'), false);
  });

  it('copies a numeric datamart_id for validation to reject', () => {
    const event = eventOf(applyTo({ ...SOURCE, dm: 1511 }, { datamart_id: '/dm' }));
    assert.equal(event.datamart_id, 1511);
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.message, 'datamart_id must be a string of digits');
  });

  it('sets a fixed regulation', () => {
    assert.deepEqual(eventOf(applyTo(SOURCE, { jurisdiction: { regulation: 'gdpr' } })).jurisdiction, { regulation: 'gdpr' });
  });

  it('reads the regulation through a pointer', () => {
    const changes = { jurisdiction: { regulation: '/law' } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, law: 'ccpa' }, changes)).jurisdiction, { regulation: 'ccpa' });
    assert.equal(Object.hasOwn(eventOf(applyTo(SOURCE, changes)), 'jurisdiction'), false);
  });
});

describe('applyMapping event type', () => {
  const lookup = {
    event_type: {
      pointer: '/status',
      values: { revoked: 'consent.withdrawn', '1': 'consent.granted', '2.5': 'consent.updated', false: 'erasure.requested' },
    },
  };

  const cases: { name: string; status: unknown; expected: string }[] = [
    { name: 'a string', status: 'revoked', expected: 'consent.withdrawn' },
    { name: 'an integer by its JSON text', status: 1, expected: 'consent.granted' },
    { name: 'a fraction by its JSON text', status: 2.5, expected: 'consent.updated' },
    { name: 'a boolean by its JSON text', status: false, expected: 'erasure.requested' },
  ];
  for (const { name, status, expected } of cases) {
    it(`looks up ${name}`, () => {
      assert.equal(eventOf(applyTo({ ...SOURCE, status }, lookup)).event_type, expected);
    });
  }

  it('compares values exactly', () => {
    const unmapped = ['Revoked', ' revoked', '1.0', 'constructor', '__proto__', 'toString'];
    for (const status of unmapped) {
      assert.equal(rejectionOf(applyTo({ ...SOURCE, status }, lookup))[0], 'unknown_event_type', status);
    }
  });

  it('rejects an unmapped value without a default', () => {
    assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, status: 'pending' }, lookup)), [
      'unknown_event_type',
      'event_type source /status has a value that is not a key of event_type.values, and event_type.default is not set',
      'evt-1',
    ]);
  });

  it('uses the default for an unmapped value', () => {
    const changes = { event_type: { ...lookup.event_type, default: 'consent.updated' } };
    assert.equal(eventOf(applyTo({ ...SOURCE, status: 'pending' }, changes)).event_type, 'consent.updated');
    assert.equal(eventOf(applyTo({ ...SOURCE, status: 'revoked' }, changes)).event_type, 'consent.withdrawn');
  });

  it('rejects a missing value even with a default', () => {
    const changes = { event_type: { ...lookup.event_type, default: 'erasure.requested' } };
    const { status: _status, ...source } = SOURCE;
    assert.deepEqual(rejectionOf(applyTo(source, changes)), ['missing_field', 'event_type source /status is missing or null', 'evt-1']);
    assert.deepEqual(rejectionOf(applyTo({ ...source, status: null }, changes))[0], 'missing_field');
  });

  it('rejects an object or array value', () => {
    for (const status of [{ code: 'revoked' }, ['revoked']]) {
      assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, status }, lookup)), [
        'invalid_field',
        'event_type source /status must be a string, number or boolean',
        'evt-1',
      ]);
    }
  });

  it('uses a fixed event type without reading the source', () => {
    const changes = { event_type: { value: 'consent.withdrawn' } };
    assert.equal(eventOf(applyTo({ ...SOURCE, status: 'erase' }, changes)).event_type, 'consent.withdrawn');
  });
});

describe('applyMapping occurred_at', () => {
  it('copies an RFC 3339 value as it is', () => {
    assert.equal(eventOf(applyTo({ ...SOURCE, at: '2026-11-02T10:15:00+01:00' })).occurred_at, '2026-11-02T10:15:00+01:00');
  });

  it('copies an invalid RFC 3339 value for validation to reject', () => {
    const event = eventOf(applyTo({ ...SOURCE, at: '2026-11-02 10:15' }));
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.reason, 'invalid_timestamp');
  });

  it('converts epoch milliseconds', () => {
    const changes = { occurred_at: { pointer: '/ts', format: 'epoch_milliseconds' } };
    assert.equal(eventOf(applyTo({ ...SOURCE, ts: 1762074000000 }, changes)).occurred_at, '2025-11-02T09:00:00.000Z');
    assert.equal(eventOf(applyTo({ ...SOURCE, ts: '1762074000123' }, changes)).occurred_at, '2025-11-02T09:00:00.123Z');
  });

  it('converts epoch seconds', () => {
    const changes = { occurred_at: { pointer: '/ts', format: 'epoch_seconds' } };
    assert.equal(eventOf(applyTo({ ...SOURCE, ts: 1762074000 }, changes)).occurred_at, '2025-11-02T09:00:00.000Z');
    assert.equal(eventOf(applyTo({ ...SOURCE, ts: 1762074000.5 }, changes)).occurred_at, '2025-11-02T09:00:00.500Z');
  });

  it('rejects an epoch value that is not a number', () => {
    const changes = { occurred_at: { pointer: '/ts', format: 'epoch_milliseconds' } };
    for (const ts of ['2025-11-02T09:00:00Z', true, [1762074000000], '', '1e12']) {
      assert.deepEqual(
        rejectionOf(applyTo({ ...SOURCE, ts }, changes)),
        ['invalid_timestamp', 'occurred_at source /ts must be a number of milliseconds since the Unix epoch', 'evt-1'],
        JSON.stringify(ts),
      );
    }
  });

  it('rejects an epoch value outside four-digit years', () => {
    const changes = { occurred_at: { pointer: '/ts', format: 'epoch_seconds' } };
    assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, ts: 1762074000000 }, changes)), [
      'invalid_timestamp',
      'occurred_at source /ts is a number of seconds outside the years 0000 to 9999',
      'evt-1',
    ]);
  });

  it('rejects a missing epoch value', () => {
    const changes = { occurred_at: { pointer: '/ts', format: 'epoch_seconds' } };
    assert.deepEqual(rejectionOf(applyTo(SOURCE, changes)), ['missing_field', 'occurred_at source /ts is missing or null', 'evt-1']);
  });
});

describe('applyMapping identifiers', () => {
  it('makes one identifier per array item, in order', () => {
    const source = { ...SOURCE, user: { hashes: ['aa', 'bb', 'cc'] } };
    assert.deepEqual(identifiersOf(source, [{ type: 'email_hash', pointer: '/user/hashes' }]), [
      { type: 'email_hash', hash: 'aa' },
      { type: 'email_hash', hash: 'bb' },
      { type: 'email_hash', hash: 'cc' },
    ]);
  });

  it('follows the rule order, then the item order', () => {
    const source = { ...SOURCE, a: ['a1', 'a2'], b: 'b1' };
    assert.deepEqual(
      identifiersOf(source, [
        { type: 'user_account', pointer: '/b' },
        { type: 'email', pointer: '/a' },
      ]),
      [
        { type: 'user_account', user_account_id: 'b1' },
        { type: 'email', email: 'a1' },
        { type: 'email', email: 'a2' },
      ],
    );
  });

  it('skips null items and missing values', () => {
    const source = { ...SOURCE, emails: [null, 'a@example.com', null], nothing: null };
    assert.deepEqual(
      identifiersOf(source, [
        { type: 'email', pointer: '/emails' },
        { type: 'email', pointer: '/nothing' },
        { type: 'email', pointer: '/absent' },
        { type: 'user_point', pointer: '/emails/5' },
      ]),
      [{ type: 'email', email: 'a@example.com' }],
    );
  });

  it('selects one array item with an index', () => {
    const source = { ...SOURCE, emails: ['first@example.com', 'second@example.com'] };
    assert.deepEqual(identifiersOf(source, [{ type: 'email', pointer: '/emails/1' }]), [
      { type: 'email', email: 'second@example.com' },
    ]);
  });

  it('copies non-string values for the contract to skip', () => {
    const source = { ...SOURCE, ids: [12345, { id: 'x' }, ['nested'], true, 'CRM-1'] };
    const identifiers = identifiersOf(source, [{ type: 'user_account', pointer: '/ids' }]);
    assert.deepEqual(identifiers, [
      { type: 'user_account', user_account_id: 12345 },
      { type: 'user_account', user_account_id: { id: 'x' } },
      { type: 'user_account', user_account_id: ['nested'] },
      { type: 'user_account', user_account_id: true },
      { type: 'user_account', user_account_id: 'CRM-1' },
    ]);

    const event = eventOf(applyTo(source, { identifiers: [{ type: 'user_account', pointer: '/ids' }] }));
    const validated = validateConsentEvent(event);
    assert.ok(validated.kind === 'valid');
    const mapped = mapEvent(validated.event, defaultMappingPolicy('1509'));
    assert.ok(mapped.kind === 'delete');
    assert.deepEqual(mapped.lines, [{ type: 'USER_ACCOUNT', user_account_id: 'CRM-1' }]);
    assert.deepEqual(
      mapped.skippedIdentifiers.map((skipped) => [skipped.index, skipped.reason]),
      [
        [0, 'invalid_user_account_id'],
        [1, 'invalid_user_account_id'],
        [2, 'invalid_user_account_id'],
        [3, 'invalid_user_account_id'],
      ],
    );
  });

  it('puts the prefix before string values only', () => {
    const source = { ...SOURCE, cookies: ['48122907', 48122908, 'vec:48122909'] };
    assert.deepEqual(identifiersOf(source, [{ type: 'user_agent', pointer: '/cookies', prefix: 'vec:' }]), [
      { type: 'user_agent', user_agent_id: 'vec:48122907' },
      { type: 'user_agent', user_agent_id: 48122908 },
      { type: 'user_agent', user_agent_id: 'vec:vec:48122909' },
    ]);
  });

  it('copies a user agent id without a prefix', () => {
    assert.deepEqual(identifiersOf({ ...SOURCE, ua: 'net:12:abc' }, [{ type: 'user_agent', pointer: '/ua' }]), [
      { type: 'user_agent', user_agent_id: 'net:12:abc' },
    ]);
  });

  it('sets a fixed compartment on every account', () => {
    const source = { ...SOURCE, accounts: ['A-1', 'A-2'] };
    assert.deepEqual(identifiersOf(source, [{ type: 'user_account', pointer: '/accounts', compartment_id: '1000' }]), [
      { type: 'user_account', user_account_id: 'A-1', compartment_id: '1000' },
      { type: 'user_account', user_account_id: 'A-2', compartment_id: '1000' },
    ]);
  });

  it('reads the compartment through a pointer from the source root', () => {
    const rules = [{ type: 'user_account', pointer: '/customer/id', compartment_id: '/customer/compartment' }];
    assert.deepEqual(identifiersOf({ ...SOURCE, customer: { id: 'A-1', compartment: '1001' } }, rules), [
      { type: 'user_account', user_account_id: 'A-1', compartment_id: '1001' },
    ]);
    assert.deepEqual(identifiersOf({ ...SOURCE, customer: { id: 'A-1' } }, rules), [
      { type: 'user_account', user_account_id: 'A-1' },
    ]);
    assert.deepEqual(identifiersOf({ ...SOURCE, customer: { id: 'A-1', compartment: null } }, rules), [
      { type: 'user_account', user_account_id: 'A-1' },
    ]);
  });

  it('sets the hash algorithm when the rule names one', () => {
    const source = { ...SOURCE, hash: 'ab' };
    assert.deepEqual(identifiersOf(source, [{ type: 'email_hash', pointer: '/hash', algorithm: 'md5' }]), [
      { type: 'email_hash', hash: 'ab', algorithm: 'md5' },
    ]);
    assert.deepEqual(identifiersOf(source, [{ type: 'email_hash', pointer: '/hash' }]), [{ type: 'email_hash', hash: 'ab' }]);
  });

  it('maps user points', () => {
    const source = { ...SOURCE, upid: '95772db3-e762-45da-8cf1-4893debffae7' };
    assert.deepEqual(identifiersOf(source, [{ type: 'user_point', pointer: '/upid' }]), [
      { type: 'user_point', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' },
    ]);
  });

  it('rejects an event where no rule selects a value', () => {
    const changes = {
      identifiers: [
        { type: 'email', pointer: '/customer/email' },
        { type: 'email', pointer: '/customer/email' },
        { type: 'user_account', pointer: '/customer/crmId' },
      ],
    };
    const expected = [
      'no_usable_identifier',
      'no identifier: none of the identifier pointers (/customer/email, /customer/crmId) selects a value',
      'evt-1',
    ];
    assert.deepEqual(rejectionOf(applyTo(SOURCE, changes)), expected);
    assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, customer: { email: [], crmId: null } }, changes)), expected);
    assert.deepEqual(rejectionOf(applyTo({ ...SOURCE, customer: { email: [null] } }, changes)), expected);
  });

  it('stops collecting past the contract maximum, which validation rejects', () => {
    const source = { ...SOURCE, cookies: Array.from({ length: 5000 }, (_, index) => String(index)) };
    const event = eventOf(applyTo(source, { identifiers: [{ type: 'user_agent', pointer: '/cookies', prefix: 'vec:' }] }));
    assert.equal((event.identifiers as unknown[]).length, 101);
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.reason, 'too_many_identifiers');
  });

  it('keeps exactly 100 identifiers', () => {
    const source = { ...SOURCE, cookies: Array.from({ length: 100 }, (_, index) => String(index)) };
    const event = eventOf(applyTo(source, { identifiers: [{ type: 'user_agent', pointer: '/cookies', prefix: 'vec:' }] }));
    assert.equal(validateConsentEvent(event).kind, 'valid');
  });
});

describe('applyMapping scope', () => {
  it('sets no scope without scope rules', () => {
    assert.equal(Object.hasOwn(eventOf(applyTo(SOURCE)), 'scope'), false);
  });

  it('sets a fixed scope.all', () => {
    assert.deepEqual(eventOf(applyTo(SOURCE, { scope: { all: false } })).scope, { all: false });
  });

  it('reads scope.all through a pointer', () => {
    const changes = { scope: { all: '/everything' } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, everything: true }, changes)).scope, { all: true });
    assert.equal(Object.hasOwn(eventOf(applyTo(SOURCE, changes)), 'scope'), false);
  });

  it('makes purposes from strings with a fixed namespace', () => {
    const changes = { scope: { all: false, withdrawn: { pointer: '/purposes', namespace: 'tcf' } } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, purposes: ['1', '3'] }, changes)).scope, {
      all: false,
      withdrawn: [
        { namespace: 'tcf', id: '1' },
        { namespace: 'tcf', id: '3' },
      ],
    });
  });

  it('writes integer purpose ids as text', () => {
    const changes = { scope: { withdrawn: { pointer: '/purposes', namespace: 'tcf' } } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, purposes: [1, 10, null] }, changes)).scope, {
      withdrawn: [
        { namespace: 'tcf', id: '1' },
        { namespace: 'tcf', id: '10' },
      ],
    });
  });

  it('copies other purpose ids for validation to reject', () => {
    const changes = { scope: { withdrawn: { pointer: '/purposes', namespace: 'tcf' } } };
    const event = eventOf(applyTo({ ...SOURCE, purposes: [1.5] }, changes));
    assert.deepEqual(event.scope, { withdrawn: [{ namespace: 'tcf', id: 1.5 }] });
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.message, 'scope.withdrawn[0].id must be a string');
  });

  it('makes one purpose from a single value', () => {
    const changes = { scope: { withdrawn: { pointer: '/purpose', namespace: 'tcf' } } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, purpose: '4' }, changes)).scope, { withdrawn: [{ namespace: 'tcf', id: '4' }] });
  });

  it('keeps an empty purpose list', () => {
    const changes = { scope: { withdrawn: { pointer: '/purposes', namespace: 'tcf' } } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, purposes: [] }, changes)).scope, { withdrawn: [] });
    assert.equal(Object.hasOwn(eventOf(applyTo(SOURCE, changes)), 'scope'), false);
  });

  it('reads purpose objects with item pointers', () => {
    const changes = { scope: { withdrawn: { pointer: '/consents', id: '/purpose', namespace: '/list/name' } } };
    const source = {
      ...SOURCE,
      consents: [
        { purpose: 2, list: { name: 'tcf' } },
        { purpose: 'analytics', list: { name: 'custom' } },
      ],
    };
    assert.deepEqual(eventOf(applyTo(source, changes)).scope, {
      withdrawn: [
        { namespace: 'tcf', id: '2' },
        { namespace: 'custom', id: 'analytics' },
      ],
    });
  });

  it('reads purpose objects with a fixed namespace', () => {
    const changes = { scope: { withdrawn: { pointer: '/consents', id: '/purpose', namespace: 'tcf' } } };
    assert.deepEqual(eventOf(applyTo({ ...SOURCE, consents: [{ purpose: 7 }] }, changes)).scope, {
      withdrawn: [{ namespace: 'tcf', id: '7' }],
    });
  });

  it('leaves a purpose without id for validation to reject', () => {
    const changes = { scope: { withdrawn: { pointer: '/consents', id: '/purpose', namespace: 'tcf' } } };
    const event = eventOf(applyTo({ ...SOURCE, consents: [{ other: 1 }] }, changes));
    const validated = validateConsentEvent(event);
    assert.equal(validated.kind === 'rejected' && validated.reason, 'missing_field');
    assert.equal(validated.kind === 'rejected' && validated.message, 'scope.withdrawn[0].id is missing');
  });
});

describe('applyMapping messages', () => {
  it('never contain source values', () => {
    const secrets = ['jane.doe@example.com', 'CRM-SECRET-1', '48122907', 'secret-status', 'secret-time'];
    const mapping = mappingWith({
      occurred_at: { pointer: '/ts', format: 'epoch_milliseconds' },
      identifiers: [
        { type: 'email', pointer: '/customer/email' },
        { type: 'user_account', pointer: '/customer/crmId' },
      ],
    });
    const sources: Record<string, unknown>[] = [
      { id: 'jane.doe@example.com', status: 'secret-status', ts: 1 },
      { id: 'evt', status: 'secret-status', ts: 1 },
      { id: 'evt', status: 'jane.doe@example.com', ts: 'secret-time' },
      { id: 'evt', status: 'erase', ts: 'secret-time', customer: { email: 'jane.doe@example.com' } },
      { id: 'evt', status: 'erase', ts: 1, customer: { email: null, crmId: [] }, other: 'CRM-SECRET-1' },
      { id: 'evt', status: { x: '48122907' }, ts: 1 },
    ];
    for (const source of sources) {
      const result = applyMapping(source, mapping);
      assert.ok(result.kind === 'rejected', JSON.stringify(source));
      for (const secret of secrets) {
        assert.ok(!result.message.includes(secret), `message contains ${secret}`);
      }
    }
  });
});

describe('applyMapping robustness', () => {
  it('never throws for odd source shapes', () => {
    const mapping = mappingWith({
      datamart_id: '/a/0/b',
      scope: { all: '/x', withdrawn: { pointer: '/p', id: '/i', namespace: '/n' } },
      jurisdiction: { regulation: '/r' },
      identifiers: [
        { type: 'user_account', pointer: '/cookie', compartment_id: '/c' },
        { type: 'user_agent', pointer: '/cookie', prefix: 'vec:' },
      ],
    });
    const values: unknown[] = [null, true, 0, -1, 'text', '', [], [null], [[]], {}, { a: [] }, [{}], [1, 'a', null]];
    for (const value of values) {
      for (const key of ['id', 'at', 'status', 'cookie', 'a', 'x', 'p', 'r', 'c']) {
        const result = applyMapping({ ...SOURCE, [key]: value }, mapping);
        assert.ok(result.kind === 'event' || result.kind === 'rejected');
        if (result.kind === 'event') {
          validateConsentEvent(result.event);
        }
      }
    }
  });
});
