/**
 * Turns zod issues about a mapping file into one line per problem, such as
 * `identifiers[0].pointer: found "customer/email"; a JSON Pointer must start with "/"; for
 * example "/customer/email"`. The schema's messages state what was expected, and this module
 * adds the key path and the value found at that path in the file.
 */

import type { z } from 'zod';

/** Maximum length of a bad value's preview, in UTF-16 code units. Longer previews are cut. */
const MAX_PREVIEW_LENGTH = 60;

const PLAIN_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Formats each issue as a problem line. An unknown-key issue gives one line per key. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], document: unknown): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push(`${formatKeyPath([...issue.path, key])}: unknown key; ${issue.message}`);
      }
      continue;
    }

    const found = lookUp(document, issue.path);
    const state = found.exists ? `found ${preview(found.value)}` : 'missing';
    problems.push(`${formatKeyPath(issue.path)}: ${state}; ${issue.message}`);
  }
  return problems;
}

/**
 * Formats a key path the way a reader finds it in the file: `scope.withdrawn.namespace`,
 * `identifiers[1].prefix`, `event_type.values["consent-revoked"]`. The root is "mapping file".
 */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (PLAIN_KEY_PATTERN.test(String(segment))) {
      text += text === '' ? String(segment) : `.${String(segment)}`;
    } else {
      text += `[${JSON.stringify(String(segment))}]`;
    }
  }
  return text === '' ? 'mapping file' : text;
}

/** Reads the value at `path` in the parsed file, following own properties only. */
function lookUp(document: unknown, path: readonly PropertyKey[]): { exists: boolean; value?: unknown } {
  let current = document;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') {
      return { exists: false };
    }
    const key = String(segment);
    if (!Object.hasOwn(current, key)) {
      return { exists: false };
    }
    current = (current as Record<string, unknown>)[key];
  }
  return { exists: true, value: current };
}

/** Formats a value as compact JSON, cut to MAX_PREVIEW_LENGTH. Mapping files contain no personal data. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_PREVIEW_LENGTH ? `${text.slice(0, MAX_PREVIEW_LENGTH - 3)}...` : text;
}
