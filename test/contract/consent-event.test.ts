import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { consentEventSchema, validateConsentEvent } from '../../src/contract/consent-event.ts';
import { CONTRACT_EXAMPLES, erasureEvent } from './fixtures.ts';

function expectRejection(value: unknown, reason: string, message?: string): void {
  const result = validateConsentEvent(value);
  assert.equal(result.kind, 'rejected');
  if (result.kind !== 'rejected') {
    return;
  }
  assert.equal(result.stage, 'validate');
  assert.equal(result.reason, reason, result.message);
  if (message !== undefined) {
    assert.equal(result.message, message);
  }
}

describe('validateConsentEvent', () => {
  it('accepts the three contract examples', () => {
    for (const text of Object.values(CONTRACT_EXAMPLES)) {
      assert.equal(validateConsentEvent(JSON.parse(text)).kind, 'valid', text);
    }
  });

  it('drops unknown fields and applies defaults', () => {
    const result = validateConsentEvent(
      erasureEvent({
        producer: 'cmp',
        scope: { withdrawn: [{ namespace: 'tcf', id: '3', label: 'x' }], extra: 1 },
        jurisdiction: { regulation: 'gdpr', country: 'FR' },
      }),
    );
    assert.deepEqual(result, {
      kind: 'valid',
      event: {
        event_id: 'evt-1',
        event_type: 'erasure.requested',
        occurred_at: '2026-11-02T09:15:00Z',
        scope: { all: true, withdrawn: [{ namespace: 'tcf', id: '3' }] },
        jurisdiction: { regulation: 'gdpr' },
        identifiers: [{ type: 'user_agent', user_agent_id: 'vec:1' }],
      },
    });
  });

  it('accepts schema_version 1', () => {
    assert.equal(validateConsentEvent(erasureEvent({ schema_version: 1 })).kind, 'valid');
  });

  it('leaves identifiers unchecked', () => {
    const result = validateConsentEvent(erasureEvent({ identifiers: [1, null, { type: 'future' }] }));
    assert.equal(result.kind, 'valid');
  });

  it('accepts 100 identifiers', () => {
    const identifiers = Array.from({ length: 100 }, (_, i) => ({ type: 'user_agent', user_agent_id: `vec:${i}` }));
    assert.equal(validateConsentEvent(erasureEvent({ identifiers })).kind, 'valid');
  });

  it('counts event_id length in characters', () => {
    assert.equal(validateConsentEvent(erasureEvent({ event_id: '😀'.repeat(128) })).kind, 'valid');
    expectRejection(erasureEvent({ event_id: '😀'.repeat(129) }), 'invalid_field');
  });

  it('ignores a __proto__ key without polluting prototypes', () => {
    const value = JSON.parse(
      '{"__proto__":{"polluted":true},"event_id":"e","event_type":"erasure.requested","occurred_at":"2026-11-02T09:15:00Z","identifiers":[{"type":"user_agent","user_agent_id":"vec:1","__proto__":{"polluted":true}}]}',
    );
    const result = validateConsentEvent(value);
    assert.equal(result.kind, 'valid');
    const event = result.kind === 'valid' ? result.event : {};
    assert.equal(Object.hasOwn(event, '__proto__'), false);
    assert.equal(Object.getPrototypeOf(event), Object.prototype);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});

describe('validateConsentEvent rejections', () => {
  const cases: { name: string; fields: Record<string, unknown>; reason: string; message?: string }[] = [
    { name: 'schema_version 2', fields: { schema_version: 2 }, reason: 'unsupported_schema_version', message: 'schema_version must be 1' },
    { name: 'schema_version 0', fields: { schema_version: 0 }, reason: 'unsupported_schema_version' },
    { name: 'schema_version 1.5', fields: { schema_version: 1.5 }, reason: 'unsupported_schema_version' },
    { name: 'schema_version beyond 2^53', fields: { schema_version: 2 ** 53 + 2 }, reason: 'unsupported_schema_version' },
    { name: 'schema_version as a string', fields: { schema_version: '1' }, reason: 'invalid_field', message: 'schema_version must be the number 1' },
    { name: 'schema_version null', fields: { schema_version: null }, reason: 'invalid_field' },
    { name: 'a missing event_id', fields: { event_id: undefined }, reason: 'missing_field', message: 'event_id is missing' },
    { name: 'a missing event_type', fields: { event_type: undefined }, reason: 'missing_field', message: 'event_type is missing' },
    { name: 'a missing occurred_at', fields: { occurred_at: undefined }, reason: 'missing_field', message: 'occurred_at is missing' },
    { name: 'missing identifiers', fields: { identifiers: undefined }, reason: 'missing_field', message: 'identifiers is missing' },
    { name: 'an empty event_id', fields: { event_id: '' }, reason: 'invalid_field', message: 'event_id must not be empty' },
    { name: 'an event_id of 129 characters', fields: { event_id: 'e'.repeat(129) }, reason: 'invalid_field', message: 'event_id must be at most 128 characters long' },
    { name: 'a numeric event_id', fields: { event_id: 42 }, reason: 'invalid_field', message: 'event_id must be a string' },
    { name: 'a null event_id', fields: { event_id: null }, reason: 'invalid_field' },
    { name: 'an unknown event_type', fields: { event_type: 'consent.revoked' }, reason: 'unknown_event_type' },
    { name: 'an event_type in upper case', fields: { event_type: 'ERASURE.REQUESTED' }, reason: 'unknown_event_type' },
    { name: 'a numeric event_type', fields: { event_type: 1 }, reason: 'invalid_field', message: 'event_type must be a string' },
    { name: 'a timestamp without offset', fields: { occurred_at: '2026-11-02T09:15:00' }, reason: 'invalid_timestamp', message: 'occurred_at must be an RFC 3339 date-time with an offset (Z or ±hh:mm)' },
    { name: 'a timestamp with fraction but no offset', fields: { occurred_at: '2026-11-02T09:15:00.123' }, reason: 'invalid_timestamp' },
    { name: 'a date without time', fields: { occurred_at: '2026-11-02' }, reason: 'invalid_timestamp' },
    { name: 'an offset without colon', fields: { occurred_at: '2026-11-02T09:15:00+0100' }, reason: 'invalid_timestamp' },
    { name: 'a space instead of T', fields: { occurred_at: '2026-11-02 09:15:00Z' }, reason: 'invalid_timestamp' },
    { name: 'hour 24', fields: { occurred_at: '2026-11-02T24:00:00Z' }, reason: 'invalid_timestamp' },
    { name: '29 February of a common year', fields: { occurred_at: '2026-02-29T09:15:00Z' }, reason: 'invalid_timestamp', message: 'occurred_at must be a date that exists' },
    { name: '29 February 1900', fields: { occurred_at: '1900-02-29T09:15:00Z' }, reason: 'invalid_timestamp' },
    { name: '31 April', fields: { occurred_at: '2026-04-31T09:15:00Z' }, reason: 'invalid_timestamp' },
    { name: 'epoch milliseconds', fields: { occurred_at: 1793610900000 }, reason: 'invalid_timestamp' },
    { name: 'a numeric datamart_id', fields: { datamart_id: 1234 }, reason: 'invalid_field', message: 'datamart_id must be a string of digits' },
    { name: 'a datamart_id beyond 2^53', fields: { datamart_id: 12345678901234567890 }, reason: 'invalid_field' },
    { name: 'a datamart_id with letters', fields: { datamart_id: '12a' }, reason: 'invalid_field' },
    { name: 'an empty datamart_id', fields: { datamart_id: '' }, reason: 'invalid_field' },
    { name: 'a null scope', fields: { scope: null }, reason: 'invalid_field', message: 'scope must be an object' },
    { name: 'scope.all as a string', fields: { scope: { all: 'false' } }, reason: 'invalid_field', message: 'scope.all must be a boolean' },
    { name: 'scope.withdrawn as an object', fields: { scope: { withdrawn: { tcf: '3' } } }, reason: 'invalid_field', message: 'scope.withdrawn must be an array' },
    { name: 'a purpose without id', fields: { scope: { withdrawn: [{ namespace: 'tcf' }] } }, reason: 'missing_field', message: 'scope.withdrawn[0].id is missing' },
    { name: 'a numeric purpose id', fields: { scope: { withdrawn: [{ namespace: 'tcf', id: '1' }, { namespace: 'tcf', id: 3 }] } }, reason: 'invalid_field', message: 'scope.withdrawn[1].id must be a string' },
    { name: 'a numeric regulation', fields: { jurisdiction: { regulation: 1 } }, reason: 'invalid_field', message: 'jurisdiction.regulation must be a string' },
    { name: 'jurisdiction as a string', fields: { jurisdiction: 'gdpr' }, reason: 'invalid_field' },
    { name: 'empty identifiers', fields: { identifiers: [] }, reason: 'invalid_field', message: 'identifiers must contain at least 1 item' },
    { name: '101 identifiers', fields: { identifiers: Array.from({ length: 101 }, () => ({ type: 'user_agent', user_agent_id: 'vec:1' })) }, reason: 'too_many_identifiers', message: 'identifiers must contain at most 100 items' },
    { name: 'identifiers as an object', fields: { identifiers: { type: 'email' } }, reason: 'invalid_field', message: 'identifiers must be an array' },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, () => {
      expectRejection(erasureEvent(testCase.fields), testCase.reason, testCase.message);
    });
  }

  it('rejects a value that is not an object', () => {
    expectRejection([], 'invalid_field', 'event must be a JSON object');
    expectRejection(null, 'invalid_field', 'event must be a JSON object');
  });

  it('reports schema_version before other problems', () => {
    const result = validateConsentEvent({ schema_version: 2, event_id: 'e', payload: {} });
    assert.equal(result.kind === 'rejected' && result.reason, 'unsupported_schema_version');
    assert.equal(result.kind === 'rejected' && result.message, 'schema_version must be 1 (and 3 more problems)');
  });

  it('reports the first field in contract order', () => {
    const result = validateConsentEvent({ event_type: 'nope', identifiers: [] });
    assert.equal(result.kind === 'rejected' && result.message, 'event_id is missing (and 3 more problems)');
  });

  it('keeps a valid event_id on a rejection', () => {
    const result = validateConsentEvent(erasureEvent({ occurred_at: 'yesterday' }));
    assert.equal(result.kind === 'rejected' && result.eventId, 'evt-1');
  });

  it('leaves out an invalid event_id on a rejection', () => {
    const result = validateConsentEvent(erasureEvent({ event_id: 'e'.repeat(200) }));
    assert.equal(result.kind, 'rejected');
    assert.equal(result.kind === 'rejected' && Object.hasOwn(result, 'eventId'), false);
  });
});

describe('validateConsentEvent timestamps', () => {
  const accepted = [
    '2026-11-02T09:15:00Z',
    '2026-11-02T10:00:00+01:00',
    '2026-11-02T04:15:00-05:30',
    '2026-11-02t09:15:00z',
    '2026-11-02T09:15:00.123456789Z',
    '2028-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '2026-11-02T09:15:00-00:00',
  ];

  for (const timestamp of accepted) {
    it(`accepts ${timestamp}`, () => {
      const result = validateConsentEvent(erasureEvent({ occurred_at: timestamp }));
      assert.equal(result.kind, 'valid', result.kind === 'rejected' ? result.message : '');
    });
  }
});

describe('consent event schema', () => {
  it('compiles to the zod fast path', () => {
    assert.doesNotThrow(() => z.compile(consentEventSchema, { strict: true }));
  });
});
