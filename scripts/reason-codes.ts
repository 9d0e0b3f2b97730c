// Renders docs/reason-codes.md from the reason list in src/contract, so the
// documented codes are exactly those the connector emits. `npm run docs:reasons`
// rewrites it; a test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REASONS } from '../src/contract/reasons.ts';

const outcomes = {
  dead_letter: 'Dead letter: the record is reported (and written to the dead-letter topic once one is configured), then its offset is settled.',
  skip_event: 'Event skipped: counted and settled, no deletion, no dead letter.',
  skip_identifier: 'Identifier skipped: left out while the rest of the event is still processed.',
} as const;

export function renderReasonCodes(): string {
  const sections = (Object.keys(outcomes) as (keyof typeof outcomes)[]).map((outcome) => {
    const rows = Object.entries(REASONS)
      .filter(([, reason]) => reason.outcome === outcome)
      .map(([code, reason]) => `| \`${code}\` | ${reason.description.replaceAll('|', '\\|')} |`);
    return `## ${outcomes[outcome]}\n\n| code | meaning |\n| --- | --- |\n${rows.join('\n')}\n`;
  });
  return `# Reason codes

Every record, event or identifier that does not become a deletion line gets one
of these stable snake_case codes. The same code appears in logs (\`reason\`),
metric labels and dead-letter headers. Logs name the code and the event id,
never identifier values.

This file is generated from \`src/contract/reasons.ts\` by
\`npm run docs:reasons\`.

${sections.join('\n')}`;
}

export const reasonCodesPath = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'reason-codes.md');

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(reasonCodesPath, renderReasonCodes());
  process.stdout.write(`wrote ${reasonCodesPath}\n`);
}
