/**
 * The validate and map steps of interpretRecord for a value that is already decoded, such as
 * the output of RegistryDecoder.decode.
 */

import { validateConsentEvent } from '../../contract/consent-event.ts';
import { mapEvent } from '../../mapping/map-event.ts';
import type { RecordOutcome } from '../../mapping/interpret.ts';
import type { MappingPolicy } from '../../mapping/policy.ts';

/** Validates a decoded consent event and maps it to deletion lines. Never throws for any value. */
export function interpretDecodedValue(value: Record<string, unknown>, policy: MappingPolicy): RecordOutcome {
  const validated = validateConsentEvent(value);
  if (validated.kind === 'rejected') {
    return validated;
  }
  return mapEvent(validated.event, policy);
}
