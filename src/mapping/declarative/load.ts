/**
 * Reads and validates a mapping file (JSON or YAML, chosen by file extension) and compiles it.
 * Runs once at start-up, so it reads the file synchronously.
 */

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { findStructureProblem } from '../../decode/json-structure.ts';
import { mappingFileSchema } from './file-schema.ts';
import type { Mapping } from './mapping.ts';
import { describeIssues } from './problems.ts';

/** Nesting depth allowed in a JSON mapping file. A valid file needs 3 levels (root, scope, withdrawn). */
const MAX_JSON_NESTING_DEPTH = 64;

/** A mapping file that cannot be used, with every problem found in it. */
export class MappingFileError extends Error {
  /** Path of the mapping file, as given to loadMappingFile. */
  readonly file: string;
  /** One line per problem, each naming the key path, the value found and an example. */
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`mapping file ${file} is invalid (${count}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'MappingFileError';
    this.file = file;
    this.problems = problems;
  }
}

export type MappingFileFormat = 'json' | 'yaml';

/**
 * Loads the mapping file at `path`: `.json` files are parsed as JSON, `.yaml` and `.yml` files
 * as YAML 1.2. Throws a MappingFileError that lists every problem when the file cannot be read,
 * cannot be parsed or does not follow the format described in docs/mapping-file.md.
 */
export function loadMappingFile(path: string): Mapping {
  const format = formatOf(path);
  if (format === undefined) {
    throw new MappingFileError(path, [
      `file name: found extension ${JSON.stringify(extname(path))}; expected .json, .yaml or .yml, such as "mapping.yaml"`,
    ]);
  }

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MappingFileError(path, [`file could not be read: ${describeReadError(error)}`]);
  }

  return parseMappingText(text, format, path);
}

/**
 * Parses and validates mapping file text. `file` names the file in the error. Throws a
 * MappingFileError that lists every problem.
 */
export function parseMappingText(text: string, format: MappingFileFormat, file: string): Mapping {
  const parsed = format === 'json' ? parseJson(text) : parseYaml(text);
  if (!parsed.ok) {
    throw new MappingFileError(file, parsed.problems);
  }
  return compileMapping(parsed.value, file);
}

/** Validates an already parsed mapping file and compiles it. Throws a MappingFileError. */
export function compileMapping(document: unknown, file: string): Mapping {
  const result = mappingFileSchema.safeParse(document);
  if (!result.success) {
    throw new MappingFileError(file, describeIssues(result.error.issues, document));
  }
  return result.data;
}

function formatOf(path: string): MappingFileFormat | undefined {
  switch (extname(path).toLowerCase()) {
    case '.json':
      return 'json';
    case '.yaml':
    case '.yml':
      return 'yaml';
    default:
      return undefined;
  }
}

type ParseResult = { ok: true; value: unknown } | { ok: false; problems: string[] };

function parseJson(text: string): ParseResult {
  // A byte order mark carries no data, and some Windows editors write one.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { ok: false, problems: [`file is not valid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }

  // JSON.parse keeps the last of two equal keys without notice, which would hide an edit.
  const problem = findStructureProblem(body, MAX_JSON_NESTING_DEPTH);
  if (problem !== undefined) {
    return { ok: false, problems: [`file is not usable JSON: ${problem.message}`] };
  }
  return { ok: true, value };
}

function parseYaml(text: string): ParseResult {
  // uniqueKeys (the default) makes a repeated key an error. A file with several documents is
  // an error as well.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => `file is not valid YAML: ${firstLine(error.message)}`),
    };
  }
  return { ok: true, value: document.toJS() };
}

/**
 * Keeps the first line of a yaml error message, such as "Map keys must be unique at line 2,
 * column 1". The lines after it quote the file with a caret, which would break the list of
 * problems.
 */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message;
  return line.endsWith(':') ? line.slice(0, -1) : line;
}

function describeReadError(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    switch (error.code) {
      case 'ENOENT':
        return 'no such file';
      case 'EACCES':
        return 'permission denied';
      case 'EISDIR':
        return 'it is a directory';
    }
  }
  return error instanceof Error ? error.message : String(error);
}
