import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { referencePath, renderConfigurationReference } from '../../scripts/config-reference.ts';
import { variables } from '../../src/config/variables.ts';

test('configuration reference matches the variable table', () => {
  const committed = readFileSync(referencePath, 'utf8');
  assert.equal(committed, renderConfigurationReference(), 'docs/configuration.md is stale: run npm run docs:config');
});

test('configuration reference lists every variable', () => {
  const committed = readFileSync(referencePath, 'utf8');
  for (const spec of Object.values(variables)) assert.ok(committed.includes(`| \`${spec.name}\` |`), spec.name);
});

test('reason code reference matches the reason list', async () => {
  const { reasonCodesPath, renderReasonCodes } = await import('../../scripts/reason-codes.ts');
  assert.equal(readFileSync(reasonCodesPath, 'utf8'), renderReasonCodes(), 'docs/reason-codes.md is stale: run npm run docs:reasons');
});
