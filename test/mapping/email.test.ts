import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashEmail, normaliseEmail, type EmailNormalisation } from '../../src/mapping/email.ts';
import {
  JANEDOE_GMAIL_SHA256,
  JANE_MD5,
  JANE_SHA1,
  JANE_SHA256,
  JANE_MIXED_CASE_SHA256,
} from '../contract/fixtures.ts';

const DEFAULT: EmailNormalisation = { trim: true, lowerCase: true, gmailNormalisation: false };
const GMAIL: EmailNormalisation = { trim: true, lowerCase: true, gmailNormalisation: true };
const NONE: EmailNormalisation = { trim: false, lowerCase: false, gmailNormalisation: false };

describe('normaliseEmail', () => {
  const cases: { name: string; email: string; options: EmailNormalisation; expected: string }[] = [
    { name: 'mixed case and padding', email: '  Jane.Doe@Example.COM ', options: DEFAULT, expected: 'jane.doe@example.com' },
    { name: 'tabs and new lines', email: '\tjane.doe@example.com\n', options: DEFAULT, expected: 'jane.doe@example.com' },
    { name: 'no steps', email: ' Jane.Doe@Example.COM', options: NONE, expected: ' Jane.Doe@Example.COM' },
    { name: 'trim without lower-casing', email: ' Jane@Example.com ', options: { ...NONE, trim: true }, expected: 'Jane@Example.com' },
    { name: 'Gmail dots and tag', email: 'Jane.Doe+News@Gmail.com', options: GMAIL, expected: 'janedoe@gmail.com' },
    { name: 'googlemail dots', email: 'j.a.n.e@googlemail.com', options: GMAIL, expected: 'jane@googlemail.com' },
    { name: 'Gmail with several plus signs', email: 'jane+a+b@gmail.com', options: GMAIL, expected: 'jane@gmail.com' },
    { name: 'Gmail rule off', email: 'Jane.Doe+News@Gmail.com', options: DEFAULT, expected: 'jane.doe+news@gmail.com' },
    { name: 'Gmail rule without lower-casing', email: 'Jane.Doe+x@GMAIL.COM', options: { ...GMAIL, lowerCase: false }, expected: 'JaneDoe@GMAIL.COM' },
    { name: 'other domains under the Gmail rule', email: 'jane.doe+x@example.com', options: GMAIL, expected: 'jane.doe+x@example.com' },
    { name: 'a gmail.com subdomain', email: 'jane.doe@mail.gmail.com', options: GMAIL, expected: 'jane.doe@mail.gmail.com' },
  ];

  for (const testCase of cases) {
    it(`normalises ${testCase.name}`, () => {
      assert.deepEqual(normaliseEmail(testCase.email, testCase.options), { ok: true, email: testCase.expected });
    });
  }

  const invalid: { name: string; email: string; options: EmailNormalisation; reason: string }[] = [
    { name: 'a blank local part after trimming', email: '  @example.com', options: DEFAULT, reason: 'invalid_email' },
    { name: 'a blank domain after trimming', email: 'jane@  ', options: DEFAULT, reason: 'invalid_email' },
    { name: 'a Gmail address that is only a tag', email: '+news@gmail.com', options: GMAIL, reason: 'invalid_email' },
    { name: 'a Gmail address that is only dots', email: '...@gmail.com', options: GMAIL, reason: 'invalid_email' },
    { name: 'no @', email: 'jane.example.com', options: DEFAULT, reason: 'invalid_email' },
    { name: 'two @', email: 'a@b@c', options: DEFAULT, reason: 'invalid_email' },
    { name: 'a lone surrogate', email: 'jane\ud800@example.com', options: DEFAULT, reason: 'invalid_email' },
    { name: 'an address that lower-casing lengthens past 254', email: `${'\u0130'.repeat(200)}@example.com`, options: DEFAULT, reason: 'identifier_too_long' },
  ];

  for (const testCase of invalid) {
    it(`rejects ${testCase.name}`, () => {
      assert.deepEqual(normaliseEmail(testCase.email, testCase.options), { ok: false, reason: testCase.reason });
    });
  }
});

describe('hashEmail', () => {
  it('hashes with SHA-256', () => {
    assert.equal(hashEmail('jane.doe@example.com', 'sha256'), JANE_SHA256);
  });

  it('hashes with SHA-1', () => {
    assert.equal(hashEmail('jane.doe@example.com', 'sha1'), JANE_SHA1);
  });

  it('hashes with MD5', () => {
    assert.equal(hashEmail('jane.doe@example.com', 'md5'), JANE_MD5);
  });

  it('hashes exactly the given text', () => {
    assert.equal(hashEmail('Jane.Doe@Example.COM', 'sha256'), JANE_MIXED_CASE_SHA256);
    assert.equal(hashEmail('janedoe@gmail.com', 'sha256'), JANEDOE_GMAIL_SHA256);
  });
});
