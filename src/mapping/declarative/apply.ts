/**
 * Builds a consent event (contract version 1) from a source event of another shape, following
 * a compiled mapping file.
 *
 * The result is a plain object that still goes through validateConsentEvent and mapEvent, so
 * every contract rule applies to mapped events too. This step therefore copies values without
 * checking their type or format. It rejects an event only where the mapping itself cannot
 * proceed. That is a required field that is absent, an event type value that is not listed or
 * is an object or array, an epoch timestamp that cannot be converted, or no identifier at all.
 *
 * JSON null counts as absent everywhere, because webhook payloads often send null for a field
 * that has no value. Messages name source pointers and canonical fields and never contain a
 * source value, because a misconfigured pointer could select personal data.
 */

import { MAX_EVENT_ID_LENGTH, MAX_IDENTIFIERS, type EventType } from '../../contract/consent-event.ts';
import { hasAtMostCodePoints } from '../../contract/formats.ts';
import type { ReasonSubset } from '../../contract/reasons.ts';
import { resolvePointer, type CompiledPointer } from './json-pointer.ts';
import type { EventTypeRule, IdentifierRule, Mapping, ValueSource, WithdrawnRule } from './mapping.ts';
import { convertEpochTimestamp } from './timestamps.ts';

export type SourceMappingReason = ReasonSubset<
  'missing_field' | 'invalid_field' | 'invalid_timestamp' | 'unknown_event_type' | 'no_usable_identifier'
>;

/** A source event that the mapping cannot turn into a consent event. */
export interface SourceMappingRejection {
  readonly kind: 'rejected';
  readonly stage: 'map';
  readonly reason: SourceMappingReason;
  /** Names the canonical field and the source pointer, never a source value. */
  readonly message: string;
  /** Present when the event_id pointer selects a string that is a valid event_id. */
  readonly eventId?: string;
}

export type SourceMappingResult =
  | { readonly kind: 'event'; readonly event: Record<string, unknown> }
  | SourceMappingRejection;

/** Tells whether records of `topic` are source events for `mapping` rather than consent events. */
export function appliesTo(mapping: Mapping, topic: string): boolean {
  return mapping.topics === undefined || mapping.topics.has(topic);
}

/** Builds the consent event for `source`, or a rejection. Never throws for any JSON object. */
export function applyMapping(source: Record<string, unknown>, mapping: Mapping): SourceMappingResult {
  const eventIdValue = readPresent(source, mapping.eventId);
  if (eventIdValue === undefined) {
    return reject(undefined, 'missing_field', missingMessage('event_id', mapping.eventId));
  }
  const eventId = usableEventId(eventIdValue);

  const eventType = resolveEventType(source, mapping.eventType);
  if (typeof eventType !== 'string') {
    return reject(eventId, eventType.reason, eventType.message);
  }

  const occurredAtValue = readPresent(source, mapping.occurredAt.pointer);
  if (occurredAtValue === undefined) {
    return reject(eventId, 'missing_field', missingMessage('occurred_at', mapping.occurredAt.pointer));
  }
  let occurredAt = occurredAtValue;
  if (mapping.occurredAt.format !== 'rfc3339') {
    const converted = convertEpochTimestamp(occurredAtValue, mapping.occurredAt.format);
    if (!converted.ok) {
      const message = `occurred_at source ${mapping.occurredAt.pointer.text} ${converted.problem}`;
      return reject(eventId, 'invalid_timestamp', message);
    }
    occurredAt = converted.timestamp;
  }

  const identifiers = collectIdentifiers(source, mapping.identifiers);
  if (identifiers.length === 0) {
    const pointers = [...new Set(mapping.identifiers.map((rule) => rule.pointer.text))].join(', ');
    const message = `no identifier: none of the identifier pointers (${pointers}) selects a value`;
    return reject(eventId, 'no_usable_identifier', message);
  }

  const event: Record<string, unknown> = {
    event_id: eventIdValue,
    event_type: eventType,
    occurred_at: occurredAt,
  };

  const datamartId = readSource(source, mapping.datamartId);
  if (datamartId !== undefined) {
    event.datamart_id = datamartId;
  }

  const scope = buildScope(source, mapping);
  if (scope !== undefined) {
    event.scope = scope;
  }

  const regulation = readSource(source, mapping.regulation);
  if (regulation !== undefined) {
    event.jurisdiction = { regulation };
  }

  event.identifiers = identifiers;
  return { kind: 'event', event };
}

/** Reads a pointer and returns undefined for a missing value and for null. */
function readPresent(root: unknown, pointer: CompiledPointer): unknown {
  const value = resolvePointer(root, pointer);
  return value === null ? undefined : value;
}

function readSource<T>(source: Record<string, unknown>, valueSource: ValueSource<T> | undefined): unknown {
  if (valueSource === undefined) {
    return undefined;
  }
  return valueSource.kind === 'fixed' ? valueSource.value : readPresent(source, valueSource.pointer);
}

function usableEventId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && hasAtMostCodePoints(value, MAX_EVENT_ID_LENGTH)
    ? value
    : undefined;
}

function missingMessage(field: string, pointer: CompiledPointer): string {
  return `${field} source ${pointer.text} is missing or null`;
}

function reject(
  eventId: string | undefined,
  reason: SourceMappingReason,
  message: string,
): SourceMappingRejection {
  return eventId === undefined
    ? { kind: 'rejected', stage: 'map', reason, message }
    : { kind: 'rejected', stage: 'map', reason, message, eventId };
}

type EventTypeFailure = { readonly reason: SourceMappingReason; readonly message: string };

/**
 * Looks the source value up in the value map. A string is looked up as it is, a number or a
 * boolean by its JSON text (1 matches the key "1", true the key "true"), because YAML and JSON
 * object keys are always strings.
 */
function resolveEventType(source: Record<string, unknown>, rule: EventTypeRule): EventType | EventTypeFailure {
  if (rule.kind === 'fixed') {
    return rule.value;
  }

  const value = readPresent(source, rule.pointer);
  if (value === undefined) {
    return { reason: 'missing_field', message: missingMessage('event_type', rule.pointer) };
  }

  let key: string;
  if (typeof value === 'string') {
    key = value;
  } else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') {
    key = JSON.stringify(value);
  } else {
    return {
      reason: 'invalid_field',
      message: `event_type source ${rule.pointer.text} must be a string, number or boolean`,
    };
  }

  const eventType = rule.values.get(key) ?? rule.defaultType;
  if (eventType === undefined) {
    return {
      reason: 'unknown_event_type',
      message: `event_type source ${rule.pointer.text} has a value that is not a key of event_type.values, and event_type.default is not set`,
    };
  }
  return eventType;
}

/**
 * Builds one identifier per selected string, or per item when the pointer selects an array.
 * Items are copied as they are, so a number or an object becomes an identifier that the
 * contract then skips with its usual reason code. Collection stops past the contract's maximum
 * number of identifiers, which validation then rejects, so a huge array costs no more work.
 */
function collectIdentifiers(source: Record<string, unknown>, rules: readonly IdentifierRule[]): unknown[] {
  const identifiers: unknown[] = [];
  for (const rule of rules) {
    const value = readPresent(source, rule.pointer);
    if (value === undefined) {
      continue;
    }

    const compartmentId = rule.type === 'user_account' ? readSource(source, rule.compartmentId) : undefined;
    const items: readonly unknown[] = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (identifiers.length > MAX_IDENTIFIERS) {
        return identifiers;
      }
      if (item !== null) {
        identifiers.push(buildIdentifier(rule, item, compartmentId));
      }
    }
  }
  return identifiers;
}

function buildIdentifier(rule: IdentifierRule, value: unknown, compartmentId: unknown): Record<string, unknown> {
  switch (rule.type) {
    case 'user_point':
      return { type: 'user_point', user_point_id: value };
    case 'user_account':
      return compartmentId === undefined
        ? { type: 'user_account', user_account_id: value }
        : { type: 'user_account', user_account_id: value, compartment_id: compartmentId };
    case 'email':
      return { type: 'email', email: value };
    case 'email_hash':
      return rule.algorithm === undefined
        ? { type: 'email_hash', hash: value }
        : { type: 'email_hash', hash: value, algorithm: rule.algorithm };
    case 'user_agent':
      // The prefix is written before the value exactly as configured. An id that already
      // carries it gets it twice, so the contract skips it instead of the mapping guessing.
      return {
        type: 'user_agent',
        user_agent_id: typeof value === 'string' ? rule.prefix + value : value,
      };
  }
}

function buildScope(source: Record<string, unknown>, mapping: Mapping): Record<string, unknown> | undefined {
  const all = readSource(source, mapping.scopeAll);
  const withdrawn = mapping.withdrawn === undefined ? undefined : collectPurposes(source, mapping.withdrawn);
  if (all === undefined && withdrawn === undefined) {
    return undefined;
  }

  const scope: Record<string, unknown> = {};
  if (all !== undefined) {
    scope.all = all;
  }
  if (withdrawn !== undefined) {
    scope.withdrawn = withdrawn;
  }
  return scope;
}

/**
 * Builds the withdrawn purposes. Without an id pointer each item is the purpose id, and with
 * one each item is an object that contains the id (and the namespace, when that is a pointer).
 */
function collectPurposes(source: Record<string, unknown>, rule: WithdrawnRule): unknown[] | undefined {
  const value = readPresent(source, rule.pointer);
  if (value === undefined) {
    return undefined;
  }

  const purposes: unknown[] = [];
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (item === null) {
      continue;
    }
    const id = rule.id === undefined ? item : readPresent(item, rule.id);
    const namespace =
      rule.namespace.kind === 'fixed' ? rule.namespace.value : readPresent(item, rule.namespace.pointer);
    purposes.push({ namespace, id: purposeIdText(id) });
  }
  return purposes;
}

/**
 * TCF and most CMPs number their purposes, while the contract wants string ids, so a safe
 * integer becomes its decimal text. Any other value is copied, and validation rejects it.
 */
function purposeIdText(id: unknown): unknown {
  return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
}
