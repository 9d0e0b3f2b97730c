import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateConsentEvent } from '../../../src/contract/consent-event.ts';
import { decodeJsonValue } from '../../../src/decode/json-value.ts';
import { applyMapping } from '../../../src/mapping/declarative/apply.ts';
import { interpretMappedRecord } from '../../../src/mapping/declarative/interpret.ts';
import { loadMappingFile } from '../../../src/mapping/declarative/load.ts';
import type { RecordOutcome } from '../../../src/mapping/interpret.ts';
import { mapEvent } from '../../../src/mapping/map-event.ts';
import { defaultMappingPolicy } from '../../../src/mapping/policy.ts';
import { WORKED_EXAMPLES, readSourceEvents, type ExpectedOutcome } from './examples.ts';

const POLICY = defaultMappingPolicy('1509');

/** Runs the stages one by one, as the pipeline does for a topic that the mapping applies to. */
function runStages(text: string, mapping: ReturnType<typeof loadMappingFile>): RecordOutcome {
  const decoded = decodeJsonValue(Buffer.from(text, 'utf8'));
  assert.equal(decoded.kind, 'value', 'every sample line is a JSON object');
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
  return mapEvent(validated.event, POLICY);
}

function summarise(outcome: RecordOutcome): ExpectedOutcome | { kind: string } {
  switch (outcome.kind) {
    case 'delete':
      return { kind: 'delete', eventId: outcome.eventId, lines: outcome.lines.map((line) => ({ ...line })) };
    case 'skipped':
      return { kind: 'skipped', eventId: outcome.eventId, reason: outcome.reason };
    case 'rejected':
      return { kind: 'rejected', eventId: outcome.eventId ?? '', stage: outcome.stage, reason: outcome.reason };
    case 'tombstone':
      return { kind: 'tombstone' };
  }
}

for (const example of WORKED_EXAMPLES) {
  describe(`worked example: ${example.name}`, () => {
    const mapping = loadMappingFile(example.mappingFile);
    const events = readSourceEvents(example);

    it('has one expected outcome per source event', () => {
      assert.equal(events.length, example.outcomes.length);
    });

    events.forEach((text, index) => {
      it(`maps source event ${index + 1}`, () => {
        const outcome = runStages(text, mapping);
        assert.deepEqual(summarise(outcome), example.outcomes[index]);
      });

      it(`maps source event ${index + 1} through interpretMappedRecord alike`, () => {
        const outcome = interpretMappedRecord(Buffer.from(text, 'utf8'), mapping, POLICY);
        assert.deepEqual(outcome, runStages(text, mapping));
      });
    });

    it('routes every deletion to the default datamart', () => {
      for (const text of events) {
        const outcome = runStages(text, mapping);
        if (outcome.kind === 'delete') {
          assert.equal(outcome.datamartId, '1509');
          assert.equal(outcome.documentType, 'USER_POINTS_DELETION');
        }
      }
    });
  });
}

describe('mapping file documentation', () => {
  const documentation = readFileSync(new URL('../../../docs/mapping-file.md', import.meta.url), 'utf8');

  for (const example of WORKED_EXAMPLES) {
    it(`quotes ${example.mappingFile.split('/').at(-1)} unchanged`, () => {
      assert.ok(documentation.includes(readFileSync(example.mappingFile, 'utf8')), 'docs/mapping-file.md differs from the example file');
    });

    it(`quotes the first source event of ${example.eventsFile.split('/').at(-1)}`, () => {
      assert.ok(documentation.includes(readSourceEvents(example)[0] ?? '-'), 'docs/mapping-file.md lacks the first source event');
    });
  }
});
