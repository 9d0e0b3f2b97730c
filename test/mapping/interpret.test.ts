import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretRecord, type RecordOutcome } from '../../src/mapping/interpret.ts';
import { defaultMappingPolicy } from '../../src/mapping/policy.ts';
import { CONTRACT_EXAMPLES, JANE_SHA256 } from '../contract/fixtures.ts';

const POLICY = defaultMappingPolicy('1509');
const OPTIONS = { maxRecordBytes: 65_536 };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function interpretText(text: string): RecordOutcome {
  return interpretRecord(Buffer.from(text, 'utf8'), POLICY, OPTIONS);
}

function summarise(outcome: RecordOutcome): string {
  switch (outcome.kind) {
    case 'tombstone':
      return 'tombstone';
    case 'delete':
      return `delete ${outcome.lines.length}`;
    case 'skipped':
      return `skipped ${outcome.reason}`;
    case 'rejected':
      return `rejected ${outcome.stage} ${outcome.reason}`;
  }
}

const EVENT_START = '{"event_id":"evt-9","event_type":"erasure.requested","occurred_at":"2026-11-02T09:15:00Z"';
const ONE_AGENT = '"identifiers":[{"type":"user_agent","user_agent_id":"vec:1"}]';

describe('interpretRecord', () => {
  it('maps the contract erasure example from bytes', () => {
    const outcome = interpretText(CONTRACT_EXAMPLES.erasure);
    assert.equal(outcome.kind, 'delete');
    assert.deepEqual(outcome.kind === 'delete' && outcome.lines, [
      { type: 'USER_ACCOUNT', user_account_id: 'CRM-1001', compartment_id: '1000' },
      { type: 'USER_EMAIL', hash: JANE_SHA256 },
    ]);
  });

  it('uses the default size limit when options are omitted', () => {
    const padding = 'x'.repeat(70_000);
    const outcome = interpretRecord(Buffer.from(`${EVENT_START},"pad":"${padding}",${ONE_AGENT}}`), POLICY);
    assert.equal(summarise(outcome), 'rejected decode record_too_large');
  });

  const cases: { name: string; value: Buffer | null; expected: string }[] = [
    { name: 'the withdrawal example', value: Buffer.from(CONTRACT_EXAMPLES.withdrawal), expected: 'delete 1' },
    { name: 'the grant example', value: Buffer.from(CONTRACT_EXAMPLES.grant), expected: 'skipped event_not_deleting' },
    { name: 'a tombstone', value: null, expected: 'tombstone' },
    { name: 'an event after a BOM', value: Buffer.concat([BOM, Buffer.from(CONTRACT_EXAMPLES.withdrawal)]), expected: 'delete 1' },
    { name: 'invalid UTF-8', value: Buffer.concat([Buffer.from(`${EVENT_START},"x":"`), Buffer.from([0xc3, 0x28]), Buffer.from(`",${ONE_AGENT}}`)]), expected: 'rejected decode invalid_utf8' },
    { name: 'truncated JSON', value: Buffer.from(CONTRACT_EXAMPLES.erasure.slice(0, 80)), expected: 'rejected decode invalid_json' },
    { name: 'a JSON array of events', value: Buffer.from(`[${CONTRACT_EXAMPLES.erasure}]`), expected: 'rejected decode not_an_object' },
    { name: 'a JSON string', value: Buffer.from(JSON.stringify(CONTRACT_EXAMPLES.erasure)), expected: 'rejected decode not_an_object' },
    { name: 'a duplicate event_type', value: Buffer.from(`${EVENT_START},"event_type":"consent.granted",${ONE_AGENT}}`), expected: 'rejected decode duplicate_key' },
    { name: 'a duplicate identifier field', value: Buffer.from(`${EVENT_START},"identifiers":[{"type":"user_agent","user_agent_id":"vec:1","user_agent_id":"vec:2"}]}`), expected: 'rejected decode duplicate_key' },
    { name: 'deep nesting in an unknown field', value: Buffer.from(`${EVENT_START},"extra":${'['.repeat(40)}${']'.repeat(40)},${ONE_AGENT}}`), expected: 'rejected decode nesting_too_deep' },
    { name: 'nesting within the limit in an unknown field', value: Buffer.from(`${EVENT_START},"extra":${'['.repeat(20)}${']'.repeat(20)},${ONE_AGENT}}`), expected: 'delete 1' },
    { name: 'schema_version beyond 2^53', value: Buffer.from(`{"schema_version":9007199254740993,${EVENT_START.slice(1)},${ONE_AGENT}}`), expected: 'rejected validate unsupported_schema_version' },
    { name: 'schema_version 2', value: Buffer.from(`{"schema_version":2,${EVENT_START.slice(1)},${ONE_AGENT}}`), expected: 'rejected validate unsupported_schema_version' },
    { name: 'schema_version written 1.0', value: Buffer.from(`{"schema_version":1.0,${EVENT_START.slice(1)},${ONE_AGENT}}`), expected: 'delete 1' },
    { name: 'a datamart_id beyond 2^53 as a number', value: Buffer.from(`${EVENT_START},"datamart_id":12345678901234567890,${ONE_AGENT}}`), expected: 'rejected validate invalid_field' },
    { name: 'a timestamp without offset', value: Buffer.from(`${CONTRACT_EXAMPLES.erasure.replace('09:15:00Z', '09:15:00')}`), expected: 'rejected validate invalid_timestamp' },
    { name: 'an unknown event type', value: Buffer.from(CONTRACT_EXAMPLES.erasure.replace('erasure.requested', 'erasure.done')), expected: 'rejected validate unknown_event_type' },
    { name: 'too many identifiers', value: Buffer.from(`${EVENT_START},"identifiers":[${Array.from({ length: 101 }, (_, i) => `{"type":"user_agent","user_agent_id":"vec:${i}"}`).join(',')}]}`), expected: 'rejected validate too_many_identifiers' },
    { name: 'only unusable identifiers', value: Buffer.from(`${EVENT_START},"identifiers":[{"type":"phone"},{"type":"user_agent","user_agent_id":"x"}]}`), expected: 'rejected map no_usable_identifier' },
  ];

  for (const testCase of cases) {
    it(`handles ${testCase.name}`, () => {
      assert.equal(summarise(interpretRecord(testCase.value, POLICY, OPTIONS)), testCase.expected);
    });
  }

  it('keeps the event id of a record that fails validation', () => {
    const outcome = interpretText(CONTRACT_EXAMPLES.erasure.replace('09:15:00Z', '09:15:00'));
    assert.equal(outcome.kind === 'rejected' && outcome.eventId, '7c0e3a52-1f4b-4d8e-9a61-2b3c4d5e6f70');
  });

  it('keeps the event id and skips of a record that fails mapping', () => {
    const outcome = interpretText(`${EVENT_START},"identifiers":[{"type":"phone"}]}`);
    assert.equal(outcome.kind === 'rejected' && outcome.eventId, 'evt-9');
    assert.deepEqual(outcome.kind === 'rejected' && outcome.skippedIdentifiers, [
      { index: 0, identifierType: 'unknown', reason: 'unknown_identifier_type' },
    ]);
  });

  it('ignores __proto__ keys at every level', () => {
    const text = `{"__proto__":{"event_type":"consent.granted","polluted":true},${EVENT_START.slice(1)},"scope":{"__proto__":{"all":false}},"identifiers":[{"__proto__":{"user_agent_id":"vec:2"},"type":"user_agent","user_agent_id":"vec:1"}]}`;
    const outcome = interpretText(text);
    assert.equal(summarise(outcome), 'delete 1');
    assert.deepEqual(outcome.kind === 'delete' && outcome.lines, [{ type: 'USER_AGENT', user_agent_id: 'vec:1' }]);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('keeps identifier values out of every rejection message', () => {
    const texts = [
      `${EVENT_START},"identifiers":[{"type":"email","email":"secret.person@example.com","x":1,"x":2}]}`,
      `${EVENT_START.replace('evt-9', '')},"identifiers":[{"type":"email","email":"secret.person@example.com"}]}`,
      `${EVENT_START},"identifiers":[{"type":"email","email":"secret.person.example.com"},{"type":"user_point","user_point_id":"secret"}]}`,
      `{"event_id":"e","identifiers":[{"type":"email","email":"secret.person@example.com"}]`,
    ];
    for (const text of texts) {
      const outcome = interpretText(text);
      assert.equal(outcome.kind, 'rejected', text);
      const message = outcome.kind === 'rejected' ? outcome.message : '';
      assert.doesNotMatch(message, /secret/);
    }
  });
});

describe('interpretRecord on arbitrary bytes', () => {
  /** mulberry32: a small seeded generator, so that a failure can be replayed. */
  function randomGenerator(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  /** Replaces, inserts or deletes a few bytes of a valid record. */
  function mutate(source: Buffer, random: () => number): Buffer {
    const bytes = [...source];
    const edits = 1 + Math.floor(random() * 4);
    const alphabet = Buffer.from('{}[]",:\\0123456789eE+-.tfnul @ \u00e9');
    for (let i = 0; i < edits; i++) {
      const position = Math.floor(random() * (bytes.length + 1));
      const byte = random() < 0.5 ? (alphabet[Math.floor(random() * alphabet.length)] ?? 0) : Math.floor(random() * 256);
      const action = random();
      if (action < 0.4) {
        bytes[position] = byte;
      } else if (action < 0.7) {
        bytes.splice(position, 0, byte);
      } else {
        bytes.splice(position, 1);
      }
    }
    return Buffer.from(bytes);
  }

  const KINDS = new Set(['tombstone', 'delete', 'skipped', 'rejected']);
  const sources = Object.values(CONTRACT_EXAMPLES).map((text) => Buffer.from(text));

  it('returns an outcome for mutated events', () => {
    const random = randomGenerator(20_261_102);
    for (let i = 0; i < 3000; i++) {
      const source = sources[i % sources.length] ?? Buffer.alloc(0);
      const value = mutate(source, random);
      const outcome = interpretRecord(value, POLICY, OPTIONS);
      assert.ok(KINDS.has(outcome.kind), value.toString('base64'));
    }
  });

  it('returns an outcome for random bytes', () => {
    const random = randomGenerator(42);
    for (let i = 0; i < 3000; i++) {
      const value = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      const outcome = interpretRecord(value, POLICY, OPTIONS);
      assert.equal(outcome.kind, 'rejected', value.toString('base64'));
    }
  });
});
