/**
 * Email normalisation and hashing. mediarithmics matches emails by hash only, so the result must
 * equal what the datamart's other integrations compute for the same address: the steps are
 * configurable and nothing else is changed.
 */

import { hash } from 'node:crypto';
import { hasAtMostCodePoints } from '../contract/formats.ts';
import { MAX_EMAIL_LENGTH } from '../contract/identifier.ts';
import type { ReasonSubset } from '../contract/reasons.ts';
import type { EmailPolicy, HashAlgorithm } from './policy.ts';

export type EmailNormalisation = Pick<EmailPolicy, 'trim' | 'lowerCase' | 'gmailNormalisation'>;

export type NormalisedEmail =
  | { readonly ok: true; readonly email: string }
  | { readonly ok: false; readonly reason: ReasonSubset<'invalid_email' | 'identifier_too_long'> };

const INVALID_EMAIL: NormalisedEmail = Object.freeze({ ok: false, reason: 'invalid_email' });
const TOO_LONG: NormalisedEmail = Object.freeze({ ok: false, reason: 'identifier_too_long' });

/**
 * Applies the configured steps to an address, then checks the result: well-formed Unicode, at
 * most 254 characters (code points), exactly one @, and a non-empty local part and domain.
 *
 * Steps, in order: trim white space, lower-case everything, and for gmail.com and googlemail.com
 * remove the +tag and the dots from the local part. The domain is compared without regard to
 * case, so the Gmail rule applies even when lower-casing is off.
 */
export function normaliseEmail(email: string, options: EmailNormalisation): NormalisedEmail {
  // A lone surrogate would be replaced by U+FFFD when hashed as UTF-8, so two different
  // inputs could give the same hash.
  if (!email.isWellFormed()) {
    return INVALID_EMAIL;
  }

  let normalised = options.trim ? email.trim() : email;
  if (options.lowerCase) {
    normalised = normalised.toLowerCase();
  }

  const at = normalised.indexOf('@');
  if (at === -1 || normalised.indexOf('@', at + 1) !== -1) {
    return INVALID_EMAIL;
  }
  let local = normalised.slice(0, at);
  const domain = normalised.slice(at + 1);

  if (options.gmailNormalisation && isGmailDomain(domain)) {
    const plus = local.indexOf('+');
    if (plus !== -1) {
      local = local.slice(0, plus);
    }
    local = local.replaceAll('.', '');
    normalised = `${local}@${domain}`;
  }

  if (local.length === 0 || domain.length === 0) {
    return INVALID_EMAIL;
  }
  // Lower-casing can lengthen a string (U+0130 becomes two code points), so the limit is
  // checked on the result.
  if (!hasAtMostCodePoints(normalised, MAX_EMAIL_LENGTH)) {
    return TOO_LONG;
  }
  return { ok: true, email: normalised };
}

function isGmailDomain(domain: string): boolean {
  const lowerCased = domain.toLowerCase();
  return lowerCased === 'gmail.com' || lowerCased === 'googlemail.com';
}

/** Hashes the UTF-8 bytes of an already normalised address. Returns lower-case hex. */
export function hashEmail(normalisedEmail: string, algorithm: HashAlgorithm): string {
  return hash(algorithm, normalisedEmail, 'hex');
}
