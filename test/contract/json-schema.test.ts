/**
 * Checks that schemas/consent-event-v1.schema.json and the zod schema accept and reject the same
 * events. The zod side accepts an event when the envelope is valid and every identifier either
 * parses or has a type unknown to version 1, because the JSON Schema lets identifiers of a future
 * type through for the connector to skip.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { validateConsentEvent } from '../../src/contract/consent-event.ts';
import { parseIdentifier } from '../../src/contract/identifier.ts';
import { CONTRACT_EXAMPLES, JANE_SHA256, erasureEvent, eventWithIdentifiers } from './fixtures.ts';

type Validate = (value: unknown) => boolean;

const SCHEMA_PATH = new URL('../../schemas/consent-event-v1.schema.json', import.meta.url);
const UUID = '95772db3-e762-45da-8cf1-4893debffae7';

/**
 * Checks the date-time format independently of src/contract: date, T, time, optional fraction
 * and a mandatory offset, and the date must round-trip through Date.UTC.
 */
function isRfc3339DateTime(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (match === null) {
    return false;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

interface AjvInstance {
  addFormat(name: string, format: { type: 'string'; validate: (text: string) => boolean }): void;
  compile(schema: unknown): Validate;
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance;

/**
 * Loads Ajv with draft 2020-12 support (ajv 8), else the draft 2019-09 class of ajv 7, which
 * the Schema Registry client installs. The schema uses only keywords whose meaning is the same
 * in both drafts ($defs, if/then, const, pattern, items with one schema). So for ajv 7 only its
 * $schema is rewritten.
 */
async function loadValidator(schema: Record<string, unknown>): Promise<{ validate: Validate; dialect: string } | string> {
  const candidates = [
    { specifier: 'ajv/dist/2020.js', dialect: 'https://json-schema.org/draft/2020-12/schema' },
    { specifier: 'ajv/dist/2019.js', dialect: 'https://json-schema.org/draft/2019-09/schema' },
  ];
  for (const candidate of candidates) {
    let module: { default: AjvConstructor | { default: AjvConstructor } };
    try {
      module = (await import(candidate.specifier)) as typeof module;
    } catch {
      continue;
    }
    const Ajv = 'default' in module.default ? module.default.default : module.default;
    const ajv = new Ajv({ strict: true, allErrors: false });
    ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
    const validate = ajv.compile({ ...schema, $schema: candidate.dialect });
    return { validate, dialect: `${candidate.specifier} (${candidate.dialect})` };
  }
  return 'ajv is not installed: add ajv (version 8) as a devDependency to run this test';
}

function zodAccepts(value: unknown): boolean {
  const result = validateConsentEvent(value);
  if (result.kind !== 'valid') {
    return false;
  }
  return result.event.identifiers.every((raw, index) => {
    const parsed = parseIdentifier(raw, `identifiers[${index}]`);
    return parsed.ok || parsed.reason === 'unknown_identifier_type';
  });
}

const fixtures: { name: string; value: unknown; valid: boolean }[] = [
  { name: 'erasure example', value: JSON.parse(CONTRACT_EXAMPLES.erasure), valid: true },
  { name: 'withdrawal example', value: JSON.parse(CONTRACT_EXAMPLES.withdrawal), valid: true },
  { name: 'grant example', value: JSON.parse(CONTRACT_EXAMPLES.grant), valid: true },
  { name: 'minimal event', value: erasureEvent(), valid: true },
  { name: 'unknown fields everywhere', value: erasureEvent({ x: 1, scope: { all: false, y: [], withdrawn: [{ namespace: 'tcf', id: '1', z: {} }] }, jurisdiction: { regulation: 'gdpr', w: 1 }, identifiers: [{ type: 'email', email: 'a@b.c', extra: true }] }), valid: true },
  { name: 'schema_version 1', value: erasureEvent({ schema_version: 1 }), valid: true },
  { name: 'schema_version 2', value: erasureEvent({ schema_version: 2 }), valid: false },
  { name: 'schema_version as a string', value: erasureEvent({ schema_version: '1' }), valid: false },
  { name: 'schema_version beyond 2^53', value: erasureEvent({ schema_version: 2 ** 53 + 2 }), valid: false },
  { name: 'missing event_id', value: erasureEvent({ event_id: undefined }), valid: false },
  { name: 'empty event_id', value: erasureEvent({ event_id: '' }), valid: false },
  { name: 'event_id of 128 emoji', value: erasureEvent({ event_id: '😀'.repeat(128) }), valid: true },
  { name: 'event_id of 129 characters', value: erasureEvent({ event_id: 'e'.repeat(129) }), valid: false },
  { name: 'numeric event_id', value: erasureEvent({ event_id: 7 }), valid: false },
  { name: 'each event type', value: erasureEvent({ event_type: 'consent.updated' }), valid: true },
  { name: 'unknown event type', value: erasureEvent({ event_type: 'consent.revoked' }), valid: false },
  { name: 'missing event type', value: erasureEvent({ event_type: undefined }), valid: false },
  { name: 'timestamp with offset', value: erasureEvent({ occurred_at: '2026-11-02T10:00:00.5+01:00' }), valid: true },
  { name: 'timestamp in lower case', value: erasureEvent({ occurred_at: '2026-11-02t10:00:00z' }), valid: true },
  { name: 'timestamp without offset', value: erasureEvent({ occurred_at: '2026-11-02T10:00:00' }), valid: false },
  { name: 'timestamp with compact offset', value: erasureEvent({ occurred_at: '2026-11-02T10:00:00+0100' }), valid: false },
  { name: 'timestamp on 29 February 2028', value: erasureEvent({ occurred_at: '2028-02-29T10:00:00Z' }), valid: true },
  { name: 'timestamp on 29 February 2026', value: erasureEvent({ occurred_at: '2026-02-29T10:00:00Z' }), valid: false },
  { name: 'timestamp on 31 June', value: erasureEvent({ occurred_at: '2026-06-31T10:00:00Z' }), valid: false },
  { name: 'timestamp as a number', value: erasureEvent({ occurred_at: 1793610900 }), valid: false },
  { name: 'datamart_id of digits', value: erasureEvent({ datamart_id: '1509' }), valid: true },
  { name: 'datamart_id as a number', value: erasureEvent({ datamart_id: 1509 }), valid: false },
  { name: 'datamart_id with a sign', value: erasureEvent({ datamart_id: '-1509' }), valid: false },
  { name: 'scope without all', value: erasureEvent({ scope: { withdrawn: [] } }), valid: true },
  { name: 'scope null', value: erasureEvent({ scope: null }), valid: false },
  { name: 'scope.all as a string', value: erasureEvent({ scope: { all: 'true' } }), valid: false },
  { name: 'purpose without namespace', value: erasureEvent({ scope: { withdrawn: [{ id: '3' }] } }), valid: false },
  { name: 'purpose as a string', value: erasureEvent({ scope: { withdrawn: ['tcf:3'] } }), valid: false },
  { name: 'regulation as a number', value: erasureEvent({ jurisdiction: { regulation: 1 } }), valid: false },
  { name: 'jurisdiction without regulation', value: erasureEvent({ jurisdiction: {} }), valid: true },
  { name: 'no identifiers', value: erasureEvent({ identifiers: [] }), valid: false },
  { name: '100 identifiers', value: eventWithIdentifiers(...Array.from({ length: 100 }, (_, i) => ({ type: 'user_agent', user_agent_id: `vec:${i}` }))), valid: true },
  { name: '101 identifiers', value: eventWithIdentifiers(...Array.from({ length: 101 }, (_, i) => ({ type: 'user_agent', user_agent_id: `vec:${i}` }))), valid: false },
  { name: 'identifier of a future type', value: eventWithIdentifiers({ type: 'phone', phone: '+33600000000' }), valid: true },
  { name: 'identifier without type', value: eventWithIdentifiers({ email: 'a@b.c' }), valid: false },
  { name: 'identifier as a string', value: eventWithIdentifiers('a@b.c'), valid: false },
  { name: 'user point', value: eventWithIdentifiers({ type: 'user_point', user_point_id: UUID }), valid: true },
  { name: 'user point with a bad UUID', value: eventWithIdentifiers({ type: 'user_point', user_point_id: 'not-a-uuid' }), valid: false },
  { name: 'user point without id', value: eventWithIdentifiers({ type: 'user_point' }), valid: false },
  { name: 'user account with compartment', value: eventWithIdentifiers({ type: 'user_account', user_account_id: 'CRM-1', compartment_id: '7' }), valid: true },
  { name: 'user account with a numeric compartment', value: eventWithIdentifiers({ type: 'user_account', user_account_id: 'CRM-1', compartment_id: 7 }), valid: false },
  { name: 'user account id of 256 characters', value: eventWithIdentifiers({ type: 'user_account', user_account_id: 'a'.repeat(256) }), valid: true },
  { name: 'user account id of 257 characters', value: eventWithIdentifiers({ type: 'user_account', user_account_id: 'a'.repeat(257) }), valid: false },
  { name: 'empty user account id', value: eventWithIdentifiers({ type: 'user_account', user_account_id: '' }), valid: false },
  { name: 'email of 254 characters', value: eventWithIdentifiers({ type: 'email', email: `${'a'.repeat(244)}@example.c` }), valid: true },
  { name: 'email of 255 characters', value: eventWithIdentifiers({ type: 'email', email: `${'a'.repeat(245)}@example.c` }), valid: false },
  { name: 'email with two @', value: eventWithIdentifiers({ type: 'email', email: 'a@b@c' }), valid: false },
  { name: 'email without local part', value: eventWithIdentifiers({ type: 'email', email: '@example.com' }), valid: false },
  { name: 'sha256 hash without algorithm', value: eventWithIdentifiers({ type: 'email_hash', hash: JANE_SHA256 }), valid: true },
  { name: 'upper-case sha1 hash', value: eventWithIdentifiers({ type: 'email_hash', hash: 'A'.repeat(40), algorithm: 'sha1' }), valid: true },
  { name: 'md5 hash', value: eventWithIdentifiers({ type: 'email_hash', hash: 'b'.repeat(32), algorithm: 'md5' }), valid: true },
  { name: 'sha1-length hash without algorithm', value: eventWithIdentifiers({ type: 'email_hash', hash: 'a'.repeat(40) }), valid: false },
  { name: 'sha256-length hash marked md5', value: eventWithIdentifiers({ type: 'email_hash', hash: JANE_SHA256, algorithm: 'md5' }), valid: false },
  { name: 'hash with non-hex digits', value: eventWithIdentifiers({ type: 'email_hash', hash: 'z'.repeat(64) }), valid: false },
  { name: 'unknown hash algorithm', value: eventWithIdentifiers({ type: 'email_hash', hash: JANE_SHA256, algorithm: 'sha512' }), valid: false },
  { name: 'user agent of any prefix', value: eventWithIdentifiers({ type: 'user_agent', user_agent_id: 'web:1:abc' }), valid: true },
  { name: 'user agent id of 257 characters', value: eventWithIdentifiers({ type: 'user_agent', user_agent_id: 'v'.repeat(257) }), valid: false },
  { name: 'empty user agent id', value: eventWithIdentifiers({ type: 'user_agent', user_agent_id: '' }), valid: false },
  { name: 'one bad identifier beside good ones', value: eventWithIdentifiers({ type: 'user_agent', user_agent_id: 'vec:1' }, { type: 'email', email: 'nope' }), valid: false },
];

describe('JSON Schema and zod schema', () => {
  let validator: { validate: Validate; dialect: string } | string = 'not loaded';
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;

  before(async () => {
    validator = await loadValidator(schema);
  });

  it('declares draft 2020-12', (t) => {
    assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    t.diagnostic(typeof validator === 'string' ? validator : `validator: ${validator.dialect}`);
  });

  for (const fixture of fixtures) {
    it(`agree on ${fixture.name}`, (t) => {
      if (typeof validator === 'string') {
        t.skip(validator);
        return;
      }
      assert.equal(zodAccepts(fixture.value), fixture.valid, 'zod schema');
      assert.equal(validator.validate(fixture.value), fixture.valid, `JSON Schema with ${validator.dialect}`);
    });
  }
});
