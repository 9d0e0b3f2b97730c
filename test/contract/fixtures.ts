/** Events shared by the contract, mapping and interpretation tests. */

/** The three example records of the consent event contract, as producers send them. */
export const CONTRACT_EXAMPLES = {
  erasure:
    '{"event_id":"7c0e3a52-1f4b-4d8e-9a61-2b3c4d5e6f70","event_type":"erasure.requested","occurred_at":"2026-11-02T09:15:00Z","identifiers":[{"type":"user_account","user_account_id":"CRM-1001","compartment_id":"1000"},{"type":"email","email":"  Jane.Doe@Example.COM "}]}',
  withdrawal:
    '{"event_id":"c2b0a1d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d","event_type":"consent.withdrawn","occurred_at":"2026-11-02T10:00:00+01:00","scope":{"all":false,"withdrawn":[{"namespace":"tcf","id":"3"}]},"identifiers":[{"type":"user_agent","user_agent_id":"vec:48122907"}]}',
  grant:
    '{"event_id":"f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e07","event_type":"consent.granted","occurred_at":"2026-11-02T11:00:00Z","identifiers":[{"type":"user_point","user_point_id":"95772db3-e762-45da-8cf1-4893debffae7"}]}',
} as const;

/** printf 'jane.doe@example.com' | sha256sum */
export const JANE_SHA256 = '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d';
/** printf 'jane.doe@example.com' | sha1sum */
export const JANE_SHA1 = 'a3caddb38202511eab803116294dc020f7c4f8a2';
/** printf 'jane.doe@example.com' | md5sum */
export const JANE_MD5 = '0cba00ca3da1b283a57287bcceb17e35';
/** printf 'janedoe@gmail.com' | sha256sum */
export const JANEDOE_GMAIL_SHA256 = 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69';
/** printf 'jane.doe+news@gmail.com' | sha256sum */
export const JANE_DOT_TAG_GMAIL_SHA256 =
  'f41439c944a763c9812d700a779941cec169de13c9ccd13aaf9424ba5231620a';
/** printf 'Jane.Doe@Example.COM' | sha256sum */
export const JANE_MIXED_CASE_SHA256 =
  '3f6be184cde17ee09fb3a0575c40f9f270c0bd4c1c7f5e76ba38ffa43ee3efa7';

/** Returns a minimal valid erasure event with `fields` added or replaced. */
export function erasureEvent(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: 'evt-1',
    event_type: 'erasure.requested',
    occurred_at: '2026-11-02T09:15:00Z',
    identifiers: [{ type: 'user_agent', user_agent_id: 'vec:1' }],
    ...fields,
  };
}

/** Returns an erasure event whose envelope is valid and whose identifiers are `identifiers`. */
export function eventWithIdentifiers(...identifiers: unknown[]): Record<string, unknown> {
  return erasureEvent({ identifiers });
}
