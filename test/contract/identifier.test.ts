import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { identifierSchemas, parseIdentifier } from '../../src/contract/identifier.ts';

const UUID = '95772db3-e762-45da-8cf1-4893debffae7';
const SHA256_HEX = 'a'.repeat(64);

describe('parseIdentifier', () => {
  const accepted: { name: string; raw: unknown; identifier: unknown }[] = [
    { name: 'a user point', raw: { type: 'user_point', user_point_id: UUID }, identifier: { type: 'user_point', user_point_id: UUID } },
    { name: 'an upper-case UUID', raw: { type: 'user_point', user_point_id: UUID.toUpperCase() }, identifier: { type: 'user_point', user_point_id: UUID.toUpperCase() } },
    { name: 'a user account without compartment', raw: { type: 'user_account', user_account_id: 'CRM-1' }, identifier: { type: 'user_account', user_account_id: 'CRM-1' } },
    { name: 'a user account with compartment', raw: { type: 'user_account', user_account_id: 'CRM-1', compartment_id: '1000' }, identifier: { type: 'user_account', user_account_id: 'CRM-1', compartment_id: '1000' } },
    { name: 'a padded email', raw: { type: 'email', email: ' A@B.C ' }, identifier: { type: 'email', email: ' A@B.C ' } },
    { name: 'an email hash without algorithm', raw: { type: 'email_hash', hash: SHA256_HEX }, identifier: { type: 'email_hash', hash: SHA256_HEX, algorithm: 'sha256' } },
    { name: 'an md5 email hash', raw: { type: 'email_hash', hash: 'F'.repeat(32), algorithm: 'md5' }, identifier: { type: 'email_hash', hash: 'F'.repeat(32), algorithm: 'md5' } },
    { name: 'a user agent', raw: { type: 'user_agent', user_agent_id: 'anything' }, identifier: { type: 'user_agent', user_agent_id: 'anything' } },
    { name: 'an identifier with unknown fields', raw: { type: 'user_agent', user_agent_id: 'vec:1', source: 'cmp' }, identifier: { type: 'user_agent', user_agent_id: 'vec:1' } },
    { name: 'a user account id of 256 characters', raw: { type: 'user_account', user_account_id: '😀'.repeat(256) }, identifier: { type: 'user_account', user_account_id: '😀'.repeat(256) } },
  ];

  for (const testCase of accepted) {
    it(`accepts ${testCase.name}`, () => {
      assert.deepEqual(parseIdentifier(testCase.raw, 'identifiers[0]'), { ok: true, identifier: testCase.identifier });
    });
  }

  const rejected: { name: string; raw: unknown; identifierType: string; reason: string }[] = [
    { name: 'a string', raw: 'jane@example.com', identifierType: 'unknown', reason: 'invalid_identifier' },
    { name: 'null', raw: null, identifierType: 'unknown', reason: 'invalid_identifier' },
    { name: 'an array', raw: [{ type: 'email' }], identifierType: 'unknown', reason: 'invalid_identifier' },
    { name: 'a missing type', raw: { email: 'a@b.c' }, identifierType: 'unknown', reason: 'invalid_identifier' },
    { name: 'a numeric type', raw: { type: 3 }, identifierType: 'unknown', reason: 'invalid_identifier' },
    { name: 'an unknown type', raw: { type: 'phone', phone: '+33600000000' }, identifierType: 'unknown', reason: 'unknown_identifier_type' },
    { name: 'a type in upper case', raw: { type: 'EMAIL', email: 'a@b.c' }, identifierType: 'unknown', reason: 'unknown_identifier_type' },
    { name: 'the type constructor', raw: { type: 'constructor' }, identifierType: 'unknown', reason: 'unknown_identifier_type' },
    { name: 'the type __proto__', raw: { type: '__proto__' }, identifierType: 'unknown', reason: 'unknown_identifier_type' },
    { name: 'a user point without id', raw: { type: 'user_point' }, identifierType: 'user_point', reason: 'invalid_user_point_id' },
    { name: 'a user point id that is not a UUID', raw: { type: 'user_point', user_point_id: '12345' }, identifierType: 'user_point', reason: 'invalid_user_point_id' },
    { name: 'a UUID without dashes', raw: { type: 'user_point', user_point_id: UUID.replaceAll('-', '') }, identifierType: 'user_point', reason: 'invalid_user_point_id' },
    { name: 'an empty user account id', raw: { type: 'user_account', user_account_id: '' }, identifierType: 'user_account', reason: 'invalid_user_account_id' },
    { name: 'a numeric user account id', raw: { type: 'user_account', user_account_id: 1001 }, identifierType: 'user_account', reason: 'invalid_user_account_id' },
    { name: 'a user account id of 257 characters', raw: { type: 'user_account', user_account_id: 'a'.repeat(257) }, identifierType: 'user_account', reason: 'identifier_too_long' },
    { name: 'a numeric compartment id', raw: { type: 'user_account', user_account_id: 'a', compartment_id: 1000 }, identifierType: 'user_account', reason: 'invalid_compartment_id' },
    { name: 'a compartment id with letters', raw: { type: 'user_account', user_account_id: 'a', compartment_id: 'c1' }, identifierType: 'user_account', reason: 'invalid_compartment_id' },
    { name: 'an email without @', raw: { type: 'email', email: 'jane.example.com' }, identifierType: 'email', reason: 'invalid_email' },
    { name: 'an email with two @', raw: { type: 'email', email: 'jane@doe@example.com' }, identifierType: 'email', reason: 'invalid_email' },
    { name: 'an email without domain', raw: { type: 'email', email: 'jane@' }, identifierType: 'email', reason: 'invalid_email' },
    { name: 'a missing email', raw: { type: 'email' }, identifierType: 'email', reason: 'invalid_email' },
    { name: 'an email of 255 characters', raw: { type: 'email', email: `${'a'.repeat(245)}@example.c` }, identifierType: 'email', reason: 'identifier_too_long' },
    { name: 'a hash with non-hex digits', raw: { type: 'email_hash', hash: 'g'.repeat(64) }, identifierType: 'email_hash', reason: 'invalid_email_hash' },
    { name: 'an empty hash', raw: { type: 'email_hash', hash: '' }, identifierType: 'email_hash', reason: 'invalid_email_hash' },
    { name: 'an unknown algorithm', raw: { type: 'email_hash', hash: SHA256_HEX, algorithm: 'sha512' }, identifierType: 'email_hash', reason: 'unsupported_hash_algorithm' },
    { name: 'an algorithm in upper case', raw: { type: 'email_hash', hash: SHA256_HEX, algorithm: 'SHA256' }, identifierType: 'email_hash', reason: 'unsupported_hash_algorithm' },
    { name: 'a sha1-length hash without algorithm', raw: { type: 'email_hash', hash: 'a'.repeat(40) }, identifierType: 'email_hash', reason: 'email_hash_length_mismatch' },
    { name: 'a sha256-length hash marked md5', raw: { type: 'email_hash', hash: SHA256_HEX, algorithm: 'md5' }, identifierType: 'email_hash', reason: 'email_hash_length_mismatch' },
    { name: 'a truncated sha1 hash', raw: { type: 'email_hash', hash: 'a'.repeat(39), algorithm: 'sha1' }, identifierType: 'email_hash', reason: 'email_hash_length_mismatch' },
    { name: 'an empty user agent id', raw: { type: 'user_agent', user_agent_id: '' }, identifierType: 'user_agent', reason: 'invalid_user_agent_id' },
    { name: 'a user agent id of 257 characters', raw: { type: 'user_agent', user_agent_id: `net:1:${'x'.repeat(251)}` }, identifierType: 'user_agent', reason: 'identifier_too_long' },
  ];

  for (const testCase of rejected) {
    it(`skips ${testCase.name}`, () => {
      const result = parseIdentifier(testCase.raw, 'identifiers[4]');
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, testCase.reason, !result.ok ? result.message : '');
      assert.equal(!result.ok && result.identifierType, testCase.identifierType);
    });
  }

  it('names the field path in messages', () => {
    const result = parseIdentifier({ type: 'email', email: 'jane.doe.example.com' }, 'identifiers[4]');
    assert.equal(!result.ok && result.message, 'identifiers[4].email must contain exactly one @ with text on both sides');
  });

  it('keeps identifier values out of messages', () => {
    const values = [
      { type: 'email', email: 'jane.doe.secret' },
      { type: 'email', email: `${'secret'.repeat(50)}@example.com` },
      { type: 'user_point', user_point_id: 'secret-id' },
      { type: 'user_account', user_account_id: 'secret', compartment_id: 'secret' },
      { type: 'email_hash', hash: 'secret' },
      { type: 'secret' },
    ];
    for (const raw of values) {
      const result = parseIdentifier(raw, 'identifiers[0]');
      assert.equal(result.ok, false, JSON.stringify(raw));
      const message = result.ok ? '' : result.message;
      assert.doesNotMatch(message, /secret/);
    }
  });

  it('reads only own type properties', () => {
    const raw = JSON.parse('{"__proto__":{"type":"email","email":"a@b.c"}}');
    const result = parseIdentifier(raw, 'identifiers[0]');
    assert.equal(!result.ok && result.reason, 'invalid_identifier');
  });

  it('ignores an email hidden under __proto__', () => {
    const raw = JSON.parse('{"type":"email","__proto__":{"email":"a@b.c"}}');
    const result = parseIdentifier(raw, 'identifiers[0]');
    assert.equal(!result.ok && result.reason, 'invalid_email');
  });
});

describe('identifier schemas', () => {
  for (const [type, schema] of Object.entries(identifierSchemas)) {
    it(`compiles ${type} to the zod fast path`, () => {
      assert.doesNotThrow(() => z.compile(schema, { strict: true }));
    });
  }
});
