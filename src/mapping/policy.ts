/**
 * Configuration that decides which events delete and how identifiers become deletion lines.
 *
 * mapEvent reads the email settings and the document type only through emailPolicyFor and
 * documentTypeFor, which apply the per-datamart and per-event-type settings.
 */

import type { EventType } from '../contract/consent-event.ts';
import type { HashAlgorithm } from '../contract/identifier.ts';

export type { HashAlgorithm } from '../contract/identifier.ts';

/**
 * USER_POINTS_DELETION deletes the whole UserPoint that an identifier belongs to.
 * USER_IDENTIFIERS_DELETION deletes only the listed identifiers and keeps the UserPoint, and it
 * accepts no USER_POINT line and no udp: user agent.
 */
export type DocumentType = 'USER_POINTS_DELETION' | 'USER_IDENTIFIERS_DELETION';

export interface EmailPolicy {
  /** Remove leading and trailing white space before hashing. */
  trim: boolean;
  /** Lower-case the whole address before hashing. */
  lowerCase: boolean;
  /**
   * For gmail.com and googlemail.com addresses, remove dots and any +tag from the local part,
   * since Gmail delivers all those spellings to the same mailbox.
   */
  gmailNormalisation: boolean;
  /** Must be the algorithm the datamart and all its other integrations use for emails. */
  hashAlgorithm: HashAlgorithm;
}

/** A consent purpose, such as { namespace: 'tcf', id: '3' }. */
export interface PurposeRef {
  namespace: string;
  id: string;
}

export interface MappingPolicy {
  /** Datamart of events that have no datamart_id. */
  defaultDatamartId: string;
  /** Document type of event types without an entry in documentTypeByEventType. */
  documentType: DocumentType;
  documentTypeByEventType: Partial<Record<EventType, DocumentType>>;
  /** Email settings of datamarts without an entry in emailByDatamart. */
  email: EmailPolicy;
  emailByDatamart: Map<string, EmailPolicy>;
  /** Compartment of user_account identifiers that have no compartment_id. Omitted when unset. */
  defaultCompartmentId?: string;
  /**
   * Purposes whose withdrawal deletes. Undefined means that any withdrawn purpose deletes, and an
   * empty list means that only erasures and withdrawals with scope.all delete.
   */
  triggerPurposes?: PurposeRef[];
  /**
   * Values of jurisdiction.regulation to act on, compared without regard to case. Undefined
   * means all events, and when set, an event without a regulation is skipped.
   */
  jurisdictions?: string[];
  /**
   * user_agent_id prefixes accepted besides vec:, udp: and net:, such as 'web:'. An id is
   * accepted when it starts with one of them and has at least one more character.
   */
  extraUserAgentPrefixes: string[];
}

/**
 * Returns a new policy for `defaultDatamartId` with the connector's defaults: user points
 * deletion, trimmed and lower-cased emails hashed with SHA-256, no Gmail normalisation, any
 * withdrawal triggers, all jurisdictions, no extra user agent prefixes. Callers may change the
 * returned object, because each call builds a fresh one.
 */
export function defaultMappingPolicy(defaultDatamartId: string): MappingPolicy {
  return {
    defaultDatamartId,
    documentType: 'USER_POINTS_DELETION',
    documentTypeByEventType: {},
    emailByDatamart: new Map(),
    email: {
      trim: true,
      lowerCase: true,
      gmailNormalisation: false,
      hashAlgorithm: 'sha256',
    },
    extraUserAgentPrefixes: [],
  };
}

/** Returns the email settings that apply to events routed to `datamartId`. */
export function emailPolicyFor(policy: MappingPolicy, datamartId: string): EmailPolicy {
  return policy.emailByDatamart.get(datamartId) ?? policy.email;
}

/** Returns the document type that events of `eventType` are deleted with. */
export function documentTypeFor(policy: MappingPolicy, eventType: EventType): DocumentType {
  return policy.documentTypeByEventType[eventType] ?? policy.documentType;
}
