// Generates consent events of the v1 contract together with the deletion lines
// each must produce. The expected lines are computed here from the contract's
// rules, independently of src/mapping, so tests fail when the mapping is wrong.
// The demo and the tests both use it.
import { createHash } from 'node:crypto';

export interface GeneratedEvent {
  event: Record<string, unknown>;
  expectedLines: Record<string, string>[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function uuidFor(seed: number): string {
  const hex = sha256(`user-point-${seed}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Event `index` of a deterministic mix: every identifier type, deleting and
 * non-deleting event types. Identifier values are unique per index, so no two
 * events share a line.
 */
export function generateEvent(index: number, runId: string): GeneratedEvent {
  const eventId = `${runId}-${index}`;
  const occurredAt = new Date(Date.UTC(2026, 10, 2, 9, 0, 0) + index * 1000).toISOString();
  const kind = index % 6;

  if (kind === 4) {
    return {
      event: { event_id: eventId, event_type: 'consent.granted', occurred_at: occurredAt, identifiers: [{ type: 'user_point', user_point_id: uuidFor(index) }] },
      expectedLines: [],
    };
  }
  if (kind === 5) {
    return {
      event: {
        event_id: eventId,
        event_type: 'consent.updated',
        occurred_at: occurredAt,
        scope: { all: false, withdrawn: [] },
        identifiers: [{ type: 'user_agent', user_agent_id: `vec:${900000 + index}` }],
      },
      expectedLines: [],
    };
  }

  const rawEmail = `  Person.${index}@Example.COM `;
  const hashedEmail = sha256(`person-hashed-${index}@example.com`);
  const identifiers: Record<string, unknown>[] = [];
  const expectedLines: Record<string, string>[] = [];

  const add = (identifier: Record<string, unknown>, line: Record<string, string>): void => {
    identifiers.push(identifier);
    expectedLines.push(line);
  };

  switch (kind) {
    case 0:
      add({ type: 'user_point', user_point_id: uuidFor(index) }, { type: 'USER_POINT', user_point_id: uuidFor(index) });
      add({ type: 'email', email: rawEmail }, { type: 'USER_EMAIL', hash: sha256(`person.${index}@example.com`) });
      break;
    case 1:
      add(
        { type: 'user_account', user_account_id: `CRM-${index}`, compartment_id: '1000' },
        { type: 'USER_ACCOUNT', user_account_id: `CRM-${index}`, compartment_id: '1000' },
      );
      add({ type: 'email_hash', hash: hashedEmail.toUpperCase() }, { type: 'USER_EMAIL', hash: hashedEmail });
      break;
    case 2:
      add({ type: 'user_agent', user_agent_id: `vec:${100000 + index}` }, { type: 'USER_AGENT', user_agent_id: `vec:${100000 + index}` });
      add({ type: 'user_agent', user_agent_id: `udp:${200000 + index}` }, { type: 'USER_AGENT', user_agent_id: `udp:${200000 + index}` });
      add({ type: 'user_agent', user_agent_id: `net:9:abc${index}` }, { type: 'USER_AGENT', user_agent_id: `net:9:abc${index}` });
      break;
    default:
      add({ type: 'user_account', user_account_id: `ACC-${index}` }, { type: 'USER_ACCOUNT', user_account_id: `ACC-${index}` });
      add({ type: 'email', email: `person.${index}@example.org` }, { type: 'USER_EMAIL', hash: sha256(`person.${index}@example.org`) });
  }

  const eventType = kind === 2 ? 'consent.withdrawn' : 'erasure.requested';
  const event: Record<string, unknown> = { event_id: eventId, event_type: eventType, occurred_at: occurredAt, identifiers };
  if (eventType === 'consent.withdrawn') event.scope = { all: true };
  return { event, expectedLines };
}

/** Canonical text of a line object (sorted keys), for comparing sent and expected lines. */
export function canonicalLine(line: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(line).sort(([a], [b]) => a.localeCompare(b))));
}
