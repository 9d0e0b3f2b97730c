import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { variables } from '../config/variables.ts';

export class ConfigFileError extends Error {
  readonly code = 'ERR_CONFIG_FILE';
}

const knownNames = new Set([
  ...Object.values(variables).map((spec) => spec.name),
  'MEDIARITHMICS_API_TOKEN_FILE',
  'KAFKA_SASL_PASSWORD_FILE',
  'SCHEMA_REGISTRY_PASSWORD_FILE',
]);

/**
 * Reads a `--config` file (JSON or YAML) whose keys are the environment
 * variable names, and returns them as environment entries. Environment
 * variables take precedence over the file, so the caller merges the file
 * under process.env.
 */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`--config ${path}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }

  const extension = extname(path).toLowerCase();
  let document: unknown;
  try {
    document = extension === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigFileError(`--config ${path}: the file is not valid ${extension === '.json' ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]}).`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigFileError(`--config ${path}: expected a mapping of variable names to values, such as "KAFKA_TOPICS: consent-events".`);
  }

  const entries: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    if (!knownNames.has(name)) {
      problems.push(`${name} is not a known variable (see docs/configuration.md)`);
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') entries[name] = String(value);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) entries[name] = value.join(',');
    else problems.push(`${name} must be a string, number, boolean or list, such as "KAFKA_TOPICS: [consent-events]"`);
  }
  if (problems.length > 0) throw new ConfigFileError(`--config ${path} is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return entries;
}
