/**
 * The input side of the pipeline in one call: record value bytes to deletion lines, a policy
 * skip, a tombstone or a rejection with a stable reason code.
 */

import { validateConsentEvent } from '../contract/consent-event.ts';
import type { ReasonCode, RejectionStage } from '../contract/reasons.ts';
import { DEFAULT_MAX_RECORD_BYTES, decodeJsonValue, type DecodeOptions } from '../decode/json-value.ts';
import { mapEvent, type DeleteResult, type SkipResult, type SkippedIdentifier } from './map-event.ts';
import type { MappingPolicy } from './policy.ts';

/** A record that goes to the dead-letter topic. */
export interface RecordRejection {
  readonly kind: 'rejected';
  readonly stage: RejectionStage;
  readonly reason: ReasonCode;
  /** Names the failing field or check and never includes identifier values. */
  readonly message: string;
  /** Present once the event_id could be read (always at the map stage). */
  readonly eventId?: string;
  /** Present at the map stage: why each identifier was left out. */
  readonly skippedIdentifiers?: readonly SkippedIdentifier[];
}

export type RecordOutcome = { readonly kind: 'tombstone' } | DeleteResult | SkipResult | RecordRejection;

export type InterpretOptions = DecodeOptions;

/** Decodes, validates and maps one record value. Never throws for any input bytes. */
export function interpretRecord(
  value: Uint8Array | null,
  policy: MappingPolicy,
  options: InterpretOptions = { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES },
): RecordOutcome {
  const decoded = decodeJsonValue(value, options);
  if (decoded.kind !== 'value') {
    return decoded;
  }

  const validated = validateConsentEvent(decoded.value);
  if (validated.kind === 'rejected') {
    return validated;
  }

  return mapEvent(validated.event, policy);
}
