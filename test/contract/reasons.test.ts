import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { REASONS, isReasonCode } from '../../src/contract/reasons.ts';

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const OUTCOMES = new Set(['dead_letter', 'skip_event', 'skip_identifier']);

/** Source files of the input side, except the list of reasons itself. */
function pipelineSources(): string[] {
  const folders = ['contract', 'decode', 'mapping', 'pipeline', 'sink'];
  return folders.flatMap((folder) => {
    const directory = new URL(`../../src/${folder}/`, import.meta.url);
    return readdirSync(directory, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && name !== 'reasons.ts')
      .map((name) => readFileSync(new URL(name, directory), 'utf8'));
  });
}

describe('reason codes', () => {
  const entries = Object.entries(REASONS);

  it('are snake_case', () => {
    for (const [code] of entries) {
      assert.match(code, SNAKE_CASE);
    }
  });

  it('each have an outcome and a sentence', () => {
    for (const [code, reason] of entries) {
      assert.ok(OUTCOMES.has(reason.outcome), code);
      assert.match(reason.description, /^[A-Za-z].*\.$/, code);
    }
  });

  it('recognise only listed codes', () => {
    assert.equal(isReasonCode('invalid_json'), true);
    assert.equal(isReasonCode('toString'), false);
    assert.equal(isReasonCode('__proto__'), false);
  });

  it('classify event skips as skip_event', () => {
    for (const code of ['event_not_deleting', 'no_triggering_purpose', 'jurisdiction_not_selected', 'jurisdiction_missing'] as const) {
      assert.equal(REASONS[code].outcome, 'skip_event', code);
    }
  });

  it('cover every reason written in the input side', () => {
    // The compiler checks typed reason unions through ReasonSubset. This also catches codes that
    // reach zod error messages, which are plain strings.
    const literal = /(?:reason: |encode\(\s*|fieldError\(\s*|fixedError\(\s*)'([a-z0-9_]+)'/g;
    const found = new Set<string>();
    for (const source of pipelineSources()) {
      for (const match of source.matchAll(literal)) {
        found.add(match[1] ?? '');
      }
    }
    assert.ok(found.size > 15, `only ${found.size} literals found, the pattern is probably stale`);
    for (const code of found) {
      assert.ok(isReasonCode(code), `${code} is used but not listed in REASONS`);
    }
  });

  it('are each used by the pipeline', () => {
    const sources = pipelineSources().join('\n');
    for (const code of Object.keys(REASONS)) {
      assert.ok(sources.includes(`'${code}'`), `${code} is listed but never used`);
    }
  });
});
