// Deterministic consent events for the benchmark: a realistic mix of
// identifier types, some non-deleting events and a few malformed records.
// Each event comes with the number of deletion lines the connector must send
// for it, so a run can check that every line arrived.
import { hash } from 'node:crypto';

/**
 * Version of the event mix. It is part of the topic name, so a change to the
 * generator makes the harness load a new topic instead of reusing an old one.
 */
export const EVENT_MIX_VERSION = 1;

export type EventCategory =
  | 'account_and_raw_email'
  | 'point_and_vector'
  | 'email_hash_and_device'
  | 'purpose_withdrawal'
  | 'four_identifiers'
  | 'granted'
  | 'updated_without_withdrawal'
  | 'invalid_json'
  | 'invalid_timestamp';

/** Share of each category, in events per 1000. */
export const CATEGORY_SHARES: readonly (readonly [EventCategory, number])[] = [
  ['account_and_raw_email', 340],
  ['point_and_vector', 200],
  ['email_hash_and_device', 200],
  ['purpose_withdrawal', 110],
  ['four_identifiers', 100],
  ['granted', 20],
  ['updated_without_withdrawal', 20],
  ['invalid_json', 5],
  ['invalid_timestamp', 5],
];

/** Deletion lines per event of each category under the default connector configuration. */
export const LINES_PER_CATEGORY: Readonly<Record<EventCategory, number>> = {
  account_and_raw_email: 2,
  point_and_vector: 2,
  email_hash_and_device: 2,
  purpose_withdrawal: 2,
  four_identifiers: 4,
  granted: 0,
  updated_without_withdrawal: 0,
  invalid_json: 0,
  invalid_timestamp: 0,
};

export interface BenchEvent {
  /** Record key: the person's stable id, as consent platforms key their events. */
  key: string;
  value: string;
  category: EventCategory;
  lines: number;
}

const categoryTable: EventCategory[] = buildCategoryTable();

function buildCategoryTable(): EventCategory[] {
  const table: EventCategory[] = [];
  for (const [category, share] of CATEGORY_SHARES) for (let i = 0; i < share; i += 1) table.push(category);
  if (table.length !== 1000) throw new Error(`category shares add up to ${table.length}, expected 1000`);
  return table;
}

/** Spreads consecutive indexes over the categories (a multiplicative hash, so the mix is even in every slice of the topic). */
export function categoryOf(index: number): EventCategory {
  const mixed = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  return categoryTable[mixed % 1000]!;
}

const baseTimeMs = Date.UTC(2026, 10, 2, 9, 0, 0);

function hex(index: number, width: number): string {
  return index.toString(16).padStart(width, '0');
}

/** Formats a UUID v4-shaped id that is unique per index and seed. */
function uuidFor(index: number, seed: number): string {
  const tail = hex(index, 12);
  const head = hex((Math.imul(index, 2246822519) ^ seed) >>> 0, 8);
  return `${head}-${hex(seed & 0xffff, 4)}-4${hex(index % 4096, 3)}-a${hex((index >>> 12) % 4096, 3)}-${tail}`;
}

/**
 * Builds event `index` of the mix. `marker` adds a user_account identifier
 * whose id carries a value the caller wants to find again in the sent lines
 * (the steady-load mode puts the producer timestamp there).
 */
export function benchEvent(index: number, marker?: string): BenchEvent {
  const category = categoryOf(index);
  const eventId = uuidFor(index, 0x5eed);
  const occurredAt = new Date(baseTimeMs + index * 250).toISOString();
  const personKey = `person-${index}`;
  const source = { system: 'consent-platform', site: `site-${index % 37}`, channel: index % 3 === 0 ? 'app' : 'web' };
  const identifiers: Record<string, unknown>[] = [];
  let lines = LINES_PER_CATEGORY[category];

  if (category === 'invalid_json') {
    // A record cut short, as a producer bug or a partial write would leave it.
    const whole = JSON.stringify({ event_id: eventId, event_type: 'erasure.requested', occurred_at: occurredAt, identifiers: [{ type: 'user_account', user_account_id: `CRM-${index}` }] });
    return { key: personKey, value: whole.slice(0, whole.length - 17), category, lines: 0 };
  }

  const event: Record<string, unknown> = { schema_version: 1, event_id: eventId, event_type: 'erasure.requested', occurred_at: occurredAt, source };

  switch (category) {
    case 'account_and_raw_email':
      identifiers.push({ type: 'user_account', user_account_id: `CRM-${index}`, compartment_id: '1000' });
      identifiers.push({ type: 'email', email: ` Person.${index}@Example-Mail.COM ` });
      event.jurisdiction = { regulation: 'gdpr' };
      break;
    case 'point_and_vector':
      event.event_type = 'consent.withdrawn';
      event.scope = { all: true };
      identifiers.push({ type: 'user_point', user_point_id: uuidFor(index, 0x1d) });
      identifiers.push({ type: 'user_agent', user_agent_id: `vec:${80_000_000 + index}` });
      break;
    case 'email_hash_and_device':
      identifiers.push({ type: 'email_hash', hash: hash('sha256', `person-${index}@example.org`, 'hex').toUpperCase(), algorithm: 'sha256' });
      identifiers.push({ type: 'user_agent', user_agent_id: `udp:${40_000_000 + index}` });
      break;
    case 'purpose_withdrawal':
      event.event_type = 'consent.withdrawn';
      event.scope = { all: false, withdrawn: [{ namespace: 'tcf', id: String(1 + (index % 10)) }] };
      event.jurisdiction = { regulation: 'uk_gdpr' };
      identifiers.push({ type: 'user_agent', user_agent_id: `net:9:device-${index}` });
      identifiers.push({ type: 'user_account', user_account_id: `ACC-${index}` });
      break;
    case 'four_identifiers':
      identifiers.push({ type: 'user_point', user_point_id: uuidFor(index, 0x2e) });
      identifiers.push({ type: 'user_account', user_account_id: `CRM-${index}`, compartment_id: '1000' });
      identifiers.push({ type: 'email_hash', hash: hash('sha256', `customer-${index}@example.net`, 'hex') });
      identifiers.push({ type: 'user_agent', user_agent_id: `vec:${90_000_000 + index}` });
      break;
    case 'granted':
      event.event_type = 'consent.granted';
      identifiers.push({ type: 'user_point', user_point_id: uuidFor(index, 0x3f) });
      break;
    case 'updated_without_withdrawal':
      event.event_type = 'consent.updated';
      event.scope = { all: false, withdrawn: [] };
      identifiers.push({ type: 'user_agent', user_agent_id: `vec:${70_000_000 + index}` });
      break;
    case 'invalid_timestamp':
      // No offset: the contract requires one, so the record is rejected at validation.
      event.occurred_at = occurredAt.slice(0, 19).replace('T', ' ');
      identifiers.push({ type: 'user_account', user_account_id: `CRM-${index}` });
      break;
  }

  if (marker !== undefined && lines > 0) {
    identifiers.push({ type: 'user_account', user_account_id: marker });
    lines += 1;
  }
  event.identifiers = identifiers;
  return { key: personKey, value: JSON.stringify(event), category, lines };
}

export interface MixSummary {
  events: number;
  deletingEvents: number;
  lines: number;
  rawEmailEvents: number;
  skippedEvents: number;
  malformedEvents: number;
  valueBytes: number;
}

/** Adds one event to running totals. */
export function addToSummary(summary: MixSummary, event: BenchEvent): void {
  summary.events += 1;
  summary.lines += event.lines;
  summary.valueBytes += Buffer.byteLength(event.value);
  if (event.lines > 0) summary.deletingEvents += 1;
  if (event.category === 'account_and_raw_email') summary.rawEmailEvents += 1;
  if (event.category === 'granted' || event.category === 'updated_without_withdrawal') summary.skippedEvents += 1;
  if (event.category === 'invalid_json' || event.category === 'invalid_timestamp') summary.malformedEvents += 1;
}

export function emptySummary(): MixSummary {
  return { events: 0, deletingEvents: 0, lines: 0, rawEmailEvents: 0, skippedEvents: 0, malformedEvents: 0, valueBytes: 0 };
}
