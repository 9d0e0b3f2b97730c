/**
 * Maps a validated consent event to mediarithmics deletion lines. Pure: no I/O and no state
 * between calls.
 */

import type { ConsentEvent, EventType, Purpose } from '../contract/consent-event.ts';
import { timestampToEpochMs } from '../contract/formats.ts';
import {
  parseIdentifier,
  type Identifier,
  type IdentifierTypeLabel,
} from '../contract/identifier.ts';
import type { ReasonCode, ReasonSubset } from '../contract/reasons.ts';
import { hashEmail, normaliseEmail } from './email.ts';
import { serializeLine, type DeletionLine } from './lines.ts';
import {
  documentTypeFor,
  emailPolicyFor,
  type DocumentType,
  type EmailPolicy,
  type MappingPolicy,
  type PurposeRef,
} from './policy.ts';
import { checkUserAgentId } from './user-agent.ts';

export interface SkippedIdentifier {
  /** Position of the identifier in the event's identifiers array. */
  readonly index: number;
  readonly identifierType: IdentifierTypeLabel;
  readonly reason: ReasonCode;
}

export interface DeleteResult {
  readonly kind: 'delete';
  readonly eventId: string;
  readonly eventType: EventType;
  readonly datamartId: string;
  readonly documentType: DocumentType;
  /** occurred_at exactly as the event gives it. */
  readonly occurredAt: string;
  /** occurred_at in milliseconds since the Unix epoch. */
  readonly occurredAtMs: number;
  /** One line per usable identifier, in event order, without duplicates. Never empty. */
  readonly lines: readonly DeletionLine[];
  /** `lines` serialized by serializeLine, in the same order: the text that goes into the execution body. */
  readonly texts: readonly string[];
  readonly skippedIdentifiers: readonly SkippedIdentifier[];
}

export type EventSkipReason = ReasonSubset<
  | 'event_not_deleting'
  | 'no_triggering_purpose'
  | 'jurisdiction_not_selected'
  | 'jurisdiction_missing'
>;

export interface SkipResult {
  readonly kind: 'skipped';
  readonly eventId: string;
  readonly eventType: EventType;
  readonly reason: EventSkipReason;
}

export interface MapRejection {
  readonly kind: 'rejected';
  readonly stage: 'map';
  readonly eventId: string;
  readonly reason: 'no_usable_identifier';
  /** Counts the skip reasons and never includes identifier values. */
  readonly message: string;
  readonly skippedIdentifiers: readonly SkippedIdentifier[];
}

export type MappingResult = DeleteResult | SkipResult | MapRejection;

/**
 * Decides whether `event` deletes under `policy` and builds its deletion lines.
 *
 * erasure.requested always deletes. consent.withdrawn deletes when scope.all is true (the
 * default) or a withdrawn purpose triggers. consent.updated deletes only when a withdrawn purpose
 * triggers. consent.granted never deletes. A jurisdiction filter, when configured, applies to all
 * event types. Each identifier is checked on its own and skipped with a reason when unusable.
 */
export function mapEvent(event: ConsentEvent, policy: MappingPolicy): MappingResult {
  const skipReason = findSkipReason(event, policy);
  if (skipReason !== undefined) {
    return {
      kind: 'skipped',
      eventId: event.event_id,
      eventType: event.event_type,
      reason: skipReason,
    };
  }

  const datamartId = event.datamart_id ?? policy.defaultDatamartId;
  const documentType = documentTypeFor(policy, event.event_type);
  const context: LineContext = {
    documentType,
    email: emailPolicyFor(policy, datamartId),
    defaultCompartmentId: policy.defaultCompartmentId,
    extraUserAgentPrefixes: policy.extraUserAgentPrefixes,
  };

  const lines: DeletionLine[] = [];
  const texts: string[] = [];
  const skippedIdentifiers: SkippedIdentifier[] = [];

  const identifiers = event.identifiers;
  for (let index = 0; index < identifiers.length; index++) {
    const parsed = parseIdentifier(identifiers[index], `identifiers[${index}]`);
    if (!parsed.ok) {
      skippedIdentifiers.push({ index, identifierType: parsed.identifierType, reason: parsed.reason });
      continue;
    }

    const identifier = parsed.identifier;
    const line = toDeletionLine(identifier, context);
    if (typeof line === 'string') {
      skippedIdentifiers.push({ index, identifierType: identifier.type, reason: line });
      continue;
    }

    // An event has at most MAX_IDENTIFIERS identifiers and usually two, so a linear
    // search costs less than building a Set for every event.
    const serialized = serializeLine(line);
    if (texts.includes(serialized)) {
      skippedIdentifiers.push({ index, identifierType: identifier.type, reason: 'duplicate_line' });
      continue;
    }
    texts.push(serialized);
    lines.push(line);
  }

  if (lines.length === 0) {
    return {
      kind: 'rejected',
      stage: 'map',
      eventId: event.event_id,
      reason: 'no_usable_identifier',
      message: describeSkips(skippedIdentifiers),
      skippedIdentifiers,
    };
  }

  return {
    kind: 'delete',
    eventId: event.event_id,
    eventType: event.event_type,
    datamartId,
    documentType,
    occurredAt: event.occurred_at,
    occurredAtMs: timestampToEpochMs(event.occurred_at),
    lines,
    texts,
    skippedIdentifiers,
  };
}

function findSkipReason(event: ConsentEvent, policy: MappingPolicy): EventSkipReason | undefined {
  if (event.event_type === 'consent.granted') {
    return 'event_not_deleting';
  }

  if (policy.jurisdictions !== undefined) {
    const regulation = event.jurisdiction?.regulation;
    if (regulation === undefined) {
      return 'jurisdiction_missing';
    }
    if (!includesIgnoringCase(policy.jurisdictions, regulation)) {
      return 'jurisdiction_not_selected';
    }
  }

  const withdrawn = event.scope?.withdrawn ?? [];
  switch (event.event_type) {
    case 'erasure.requested':
      return undefined;
    case 'consent.withdrawn':
      if (event.scope?.all ?? true) {
        return undefined;
      }
      return anyPurposeTriggers(withdrawn, policy.triggerPurposes) ? undefined : 'no_triggering_purpose';
    case 'consent.updated':
      return anyPurposeTriggers(withdrawn, policy.triggerPurposes) ? undefined : 'no_triggering_purpose';
  }
}

function includesIgnoringCase(values: readonly string[], wanted: string): boolean {
  const lowerCased = wanted.toLowerCase();
  for (const value of values) {
    if (value.length === wanted.length && value.toLowerCase() === lowerCased) {
      return true;
    }
  }
  return false;
}

/** Without a trigger list any withdrawn purpose triggers, and an empty withdrawal never does. */
function anyPurposeTriggers(
  withdrawn: readonly Purpose[],
  triggerPurposes: readonly PurposeRef[] | undefined,
): boolean {
  if (withdrawn.length === 0) {
    return false;
  }
  if (triggerPurposes === undefined) {
    return true;
  }
  for (const purpose of withdrawn) {
    for (const trigger of triggerPurposes) {
      if (purpose.namespace === trigger.namespace && purpose.id === trigger.id) {
        return true;
      }
    }
  }
  return false;
}

/** Settings that turn one identifier into a line, resolved once per event. */
interface LineContext {
  readonly documentType: DocumentType;
  readonly email: EmailPolicy;
  readonly defaultCompartmentId: string | undefined;
  readonly extraUserAgentPrefixes: readonly string[];
}

/** Returns the deletion line of a schema-valid identifier, or the reason it cannot be sent. */
function toDeletionLine(identifier: Identifier, context: LineContext): DeletionLine | ReasonCode {
  switch (identifier.type) {
    case 'user_point':
      if (context.documentType !== 'USER_POINTS_DELETION') {
        return 'not_supported_by_document_type';
      }
      // UUIDs compare without regard to case, so the line uses the lower-case form that the
      // mediarithmics examples show.
      return { type: 'USER_POINT', user_point_id: identifier.user_point_id.toLowerCase() };

    case 'user_account': {
      if (!identifier.user_account_id.isWellFormed()) {
        return 'invalid_user_account_id';
      }
      const compartmentId = identifier.compartment_id ?? context.defaultCompartmentId;
      return compartmentId === undefined
        ? { type: 'USER_ACCOUNT', user_account_id: identifier.user_account_id }
        : {
            type: 'USER_ACCOUNT',
            user_account_id: identifier.user_account_id,
            compartment_id: compartmentId,
          };
    }

    case 'email': {
      const normalised = normaliseEmail(identifier.email, context.email);
      if (!normalised.ok) {
        return normalised.reason;
      }
      return { type: 'USER_EMAIL', hash: hashEmail(normalised.email, context.email.hashAlgorithm) };
    }

    case 'email_hash':
      if (identifier.algorithm !== context.email.hashAlgorithm) {
        return 'email_hash_algorithm_mismatch';
      }
      // Hashes made by this connector are lower-case hex, so pre-hashed values must match them.
      return { type: 'USER_EMAIL', hash: identifier.hash.toLowerCase() };

    case 'user_agent': {
      const problem = checkUserAgentId(
        identifier.user_agent_id,
        context.documentType,
        context.extraUserAgentPrefixes,
      );
      return problem ?? { type: 'USER_AGENT', user_agent_id: identifier.user_agent_id };
    }
  }
}

/** Builds a message such as "no usable identifier among 3 (invalid_email: 2, unknown_identifier_type: 1)". */
function describeSkips(skipped: readonly SkippedIdentifier[]): string {
  const counts = new Map<ReasonCode, number>();
  for (const entry of skipped) {
    counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
  }
  const details = [...counts].map(([reason, count]) => `${reason}: ${count}`).join(', ');
  return `no usable identifier among ${skipped.length} (${details})`;
}
