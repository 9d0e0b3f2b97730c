/**
 * A mapping file compiled for use on every record: pointers are decoded, value maps are Maps
 * and topics are a Set. loadMappingFile (load.ts) builds it and applyMapping (apply.ts) reads it.
 */

import type { EventType } from '../../contract/consent-event.ts';
import type { HashAlgorithm } from '../../contract/identifier.ts';
import type { CompiledPointer } from './json-pointer.ts';

/** Format of occurred_at in the source event. */
export const TIMESTAMP_FORMATS = ['rfc3339', 'epoch_milliseconds', 'epoch_seconds'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** A field value that the mapping file either fixes or reads from the source event. */
export type ValueSource<T> =
  | { readonly kind: 'fixed'; readonly value: T }
  | { readonly kind: 'pointer'; readonly pointer: CompiledPointer };

/** Rule for event_type: one fixed type, or a lookup of a source value in a value map. */
export type EventTypeRule =
  | { readonly kind: 'fixed'; readonly value: EventType }
  | {
      readonly kind: 'lookup';
      readonly pointer: CompiledPointer;
      /** Source value, as text, to event type. A Map, so that keys never hit Object.prototype. */
      readonly values: ReadonlyMap<string, EventType>;
      /** Type of events whose value is present but not in `values`. */
      readonly defaultType: EventType | undefined;
    };

/** Rule for scope.withdrawn. */
export interface WithdrawnRule {
  /** Selects one purpose, or an array with one purpose per item. */
  readonly pointer: CompiledPointer;
  /**
   * Selects the purpose id inside each item when items are objects. Undefined when each item
   * is the purpose id itself.
   */
  readonly id: CompiledPointer | undefined;
  /** A fixed namespace, or a pointer into each item (only together with `id`). */
  readonly namespace: ValueSource<string>;
}

interface IdentifierRuleBase {
  /** Selects one identifier value, or an array with one identifier per item. */
  readonly pointer: CompiledPointer;
}

export type IdentifierRule =
  | (IdentifierRuleBase & { readonly type: 'user_point' })
  | (IdentifierRuleBase & {
      readonly type: 'user_account';
      readonly compartmentId: ValueSource<string> | undefined;
    })
  | (IdentifierRuleBase & { readonly type: 'email' })
  | (IdentifierRuleBase & {
      readonly type: 'email_hash';
      readonly algorithm: HashAlgorithm | undefined;
    })
  | (IdentifierRuleBase & {
      readonly type: 'user_agent';
      /** Text put before each string value, such as "vec:". Empty when none. */
      readonly prefix: string;
    });

export interface Mapping {
  /** Topics whose records the mapping applies to. Undefined means every topic. */
  readonly topics: ReadonlySet<string> | undefined;
  readonly eventId: CompiledPointer;
  readonly occurredAt: { readonly pointer: CompiledPointer; readonly format: TimestampFormat };
  readonly eventType: EventTypeRule;
  readonly datamartId: ValueSource<string> | undefined;
  readonly scopeAll: ValueSource<boolean> | undefined;
  readonly withdrawn: WithdrawnRule | undefined;
  readonly regulation: ValueSource<string> | undefined;
  /** Never empty. */
  readonly identifiers: readonly IdentifierRule[];
}
