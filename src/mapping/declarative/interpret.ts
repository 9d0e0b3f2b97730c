/**
 * The input side of the pipeline for a record whose topic a mapping file applies to: decode,
 * apply the mapping, then validate and map exactly as interpretRecord does for consent events.
 */

import { validateConsentEvent } from '../../contract/consent-event.ts';
import { DEFAULT_MAX_RECORD_BYTES, decodeJsonValue } from '../../decode/json-value.ts';
import type { InterpretOptions, RecordOutcome } from '../interpret.ts';
import { mapEvent } from '../map-event.ts';
import type { MappingPolicy } from '../policy.ts';
import { applyMapping } from './apply.ts';
import type { Mapping } from './mapping.ts';

/** Decodes a source event, maps it onto the contract, validates and maps it. Never throws. */
export function interpretMappedRecord(
  value: Uint8Array | null,
  mapping: Mapping,
  policy: MappingPolicy,
  options: InterpretOptions = { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES },
): RecordOutcome {
  const decoded = decodeJsonValue(value, options);
  if (decoded.kind !== 'value') {
    return decoded;
  }

  const applied = applyMapping(decoded.value, mapping);
  if (applied.kind === 'rejected') {
    return applied;
  }

  const validated = validateConsentEvent(applied.event);
  if (validated.kind === 'rejected') {
    return validated;
  }

  return mapEvent(validated.event, policy);
}
