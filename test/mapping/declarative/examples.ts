// Expected outcomes of the two worked examples in examples/mappings/, one per line of their
// ndjson files. Email hashes are computed here with node:crypto from addresses written out by
// hand, so the expectations do not depend on the connector's own normalisation code.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ExpectedOutcome =
  | { readonly kind: 'delete'; readonly eventId: string; readonly lines: readonly Record<string, string>[] }
  | { readonly kind: 'skipped'; readonly eventId: string; readonly reason: string }
  | { readonly kind: 'rejected'; readonly eventId: string; readonly stage: string; readonly reason: string };

export interface WorkedExample {
  readonly name: string;
  /** Absolute path of the mapping file. */
  readonly mappingFile: string;
  /** Absolute path of the source events, one JSON object per line. */
  readonly eventsFile: string;
  /** One outcome per line of eventsFile, in order. */
  readonly outcomes: readonly ExpectedOutcome[];
}

function examplePath(name: string): string {
  return fileURLToPath(new URL(`../../../examples/mappings/${name}`, import.meta.url));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Reads the source events of an example, one JSON text per line. */
export function readSourceEvents(example: WorkedExample): string[] {
  return readFileSync(example.eventsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

export const CRM_ERASURE: WorkedExample = {
  name: 'CRM erasure requests (YAML)',
  mappingFile: examplePath('crm-erasure.yaml'),
  eventsFile: examplePath('crm-erasure.ndjson'),
  outcomes: [
    {
      kind: 'delete',
      eventId: 'crm-req-0001',
      lines: [
        { type: 'USER_ACCOUNT', user_account_id: 'CRM-1001', compartment_id: '1000' },
        { type: 'USER_EMAIL', hash: sha256('jane.doe@example.com') },
      ],
    },
    {
      kind: 'delete',
      eventId: 'crm-req-0002',
      lines: [{ type: 'USER_ACCOUNT', user_account_id: 'CRM-1002', compartment_id: '1000' }],
    },
    {
      // The email "not-an-email" is skipped with invalid_email, and the account is still deleted.
      kind: 'delete',
      eventId: 'crm-req-0003',
      lines: [{ type: 'USER_ACCOUNT', user_account_id: 'CRM-1003', compartment_id: '1000' }],
    },
    { kind: 'rejected', eventId: 'crm-req-0004', stage: 'map', reason: 'unknown_event_type' },
    { kind: 'rejected', eventId: 'crm-req-0005', stage: 'validate', reason: 'invalid_timestamp' },
    {
      kind: 'delete',
      eventId: 'crm-req-0006',
      lines: [{ type: 'USER_EMAIL', hash: sha256('max.mustermann@example.de') }],
    },
  ],
};

export const CMP_WEBHOOK: WorkedExample = {
  name: 'CMP webhook consent updates (JSON)',
  mappingFile: examplePath('cmp-webhook.json'),
  eventsFile: examplePath('cmp-webhook.ndjson'),
  outcomes: [
    {
      kind: 'delete',
      eventId: 'cmp-7f1c-0001',
      lines: [
        { type: 'USER_AGENT', user_agent_id: 'vec:48122907' },
        { type: 'USER_EMAIL', hash: sha256('jane.doe@example.com') },
      ],
    },
    { kind: 'skipped', eventId: 'cmp-7f1c-0002', reason: 'no_triggering_purpose' },
    { kind: 'skipped', eventId: 'cmp-7f1c-0003', reason: 'event_not_deleting' },
    {
      // The first hash is upper-case in the source and is sent lower-cased.
      kind: 'delete',
      eventId: 'cmp-7f1c-0004',
      lines: [
        { type: 'USER_AGENT', user_agent_id: 'vec:48122910' },
        { type: 'USER_EMAIL', hash: sha256('max.mustermann@example.de') },
        { type: 'USER_EMAIL', hash: sha256('m.rossi@example.it') },
      ],
    },
    {
      kind: 'delete',
      eventId: 'cmp-7f1c-0005',
      lines: [{ type: 'USER_AGENT', user_agent_id: 'vec:48122911' }],
    },
    { kind: 'rejected', eventId: 'cmp-7f1c-0006', stage: 'map', reason: 'invalid_timestamp' },
  ],
};

export const WORKED_EXAMPLES: readonly WorkedExample[] = [CRM_ERASURE, CMP_WEBHOOK];
