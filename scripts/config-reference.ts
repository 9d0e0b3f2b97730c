// Renders docs/configuration.md from the variable table in src/config, so the
// reference cannot drift from the code. `npm run docs:config` rewrites it; a
// test fails when the committed file differs from what this renders.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { variables } from '../src/config/variables.ts';

const header = `# Configuration reference

The connector reads its configuration from environment variables, once, at
start-up. Every problem is reported at once, one line per variable, naming the
variable, the rejected value and an example of a valid one; the process then
exits with code 2. Variables that start with \`MEDIARITHMICS_\` or \`WINDOW_\`
but are not listed here are rejected as likely typos.

This file is generated from \`src/config/variables.ts\` by
\`npm run docs:config\`; edit the descriptions there.

| variable | default | example | meaning |
| --- | --- | --- | --- |
`;

const windowNotes = `
## Why these window defaults

A window becomes one execution of a document import, so its limits trade API
load against latency.

- \`WINDOW_MAX_LINES=10000\`: mediarithmics advises a multi-record import above
  1,000 records and files under 100 MB. A deletion line is 40 to 120 bytes, so
  10,000 lines make a body of about 1 MB: far under the advised size, and few
  enough executions that a backfill of a million events needs about a hundred.
- \`WINDOW_MAX_BYTES=4194304\` (4 MiB): a ceiling for windows of unusually long
  lines (long \`user_agent_id\` or account ids). It keeps one request small
  enough to retry cheaply and to split quickly when the API rejects a line.
- \`WINDOW_MAX_AGE_MS=10000\` (10 s): at low traffic a withdrawal waits at most
  about 10 s before its execution is sent, while one datamart still gets at most
  six executions a minute. Erasure deadlines are counted in days, so a shorter
  age buys nothing for the person and costs many tiny executions.
- \`MAX_BUFFERED_LINES\` and \`MAX_BUFFERED_BYTES\` bound the memory held by open
  and in-flight windows (ten full windows by default). When a limit is reached,
  consumption pauses until deliveries free room.
`;

export function renderConfigurationReference(): string {
  const rows = Object.values(variables).map((spec) => {
    const defaultText = spec.defaultText ?? (spec.required ? 'required' : 'optional');
    const cells = [`\`${spec.name}\``, defaultText, `\`${spec.example}\``, spec.description + (spec.secret ? ' Secret.' : '')];
    return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  });
  return `${header}${rows.join('\n')}\n${windowNotes}`;
}

export const referencePath = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'configuration.md');

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(referencePath, renderConfigurationReference());
  process.stdout.write(`wrote ${referencePath}\n`);
}
