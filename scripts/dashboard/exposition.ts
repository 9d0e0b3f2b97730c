// Parser for the Prometheus text exposition format, version 0.0.4, which the
// connector serves on /metrics (prom-client 15). Comment lines (# HELP, # TYPE)
// are skipped, because the dashboard's queries need only names, labels and values.
import type { ScrapedSample } from './samples.ts';

const namePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a whole exposition body. Throws an error naming the line number of the first invalid line. */
export function parseExposition(text: string): ScrapedSample[] {
  const samples: ScrapedSample[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    try {
      samples.push(parseSampleLine(trimmed));
    } catch (error) {
      throw new Error(`Invalid exposition line ${index + 1} (${JSON.stringify(trimmed.slice(0, 120))}): ${(error as Error).message}`);
    }
  }
  return samples;
}

function parseSampleLine(line: string): ScrapedSample {
  const nameMatch = namePattern.exec(line);
  if (!nameMatch) throw new Error('missing metric name');
  const name = nameMatch[0];
  let rest = line.slice(name.length);

  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = parseLabels(rest.slice(1), labels);
  }

  // The value may be followed by an optional timestamp in ms, which prom-client does not write.
  const fields = rest.trim().split(/\s+/);
  const valueText = fields[0];
  if (valueText === undefined || valueText === '') throw new Error('missing value');
  return { name, labels, value: parseValue(valueText) };
}

/** Reads `name="value",...}` into `labels` and returns the text after the closing brace. */
function parseLabels(text: string, labels: Record<string, string>): string {
  let rest = text.trimStart();
  while (!rest.startsWith('}')) {
    const labelMatch = labelNamePattern.exec(rest);
    if (!labelMatch) throw new Error('invalid label name');
    const labelName = labelMatch[0];
    rest = rest.slice(labelName.length).trimStart();
    if (!rest.startsWith('="')) throw new Error(`missing ="..." after label ${labelName}`);
    rest = rest.slice(2);

    let value = '';
    let position = 0;
    for (;;) {
      const char = rest[position];
      if (char === undefined) throw new Error(`unterminated value of label ${labelName}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = rest[position + 1];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
        position += 2;
        continue;
      }
      value += char;
      position += 1;
    }
    labels[labelName] = value;
    rest = rest.slice(position + 1).trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
  }
  return rest.slice(1);
}

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`invalid value ${JSON.stringify(text)}`);
  return value;
}
