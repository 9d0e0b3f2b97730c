/**
 * JSON Pointer (RFC 6901) syntax checks and evaluation.
 *
 * Mapping files name source fields with pointers. Each pointer is compiled once when the file
 * is loaded, into decoded reference tokens and their array indexes, so that evaluating it for a
 * record only walks the source value.
 */

export interface CompiledPointer {
  /** The pointer as written in the mapping file, used in messages. */
  readonly text: string;
  /** Reference tokens with ~1 and ~0 already decoded to "/" and "~". */
  readonly tokens: readonly string[];
  /** Array index that each token denotes, or -1 when the token cannot index an array. */
  readonly arrayIndexes: readonly number[];
}

// RFC 6901 section 4: an array index is 0 or a decimal number without leading zeros. The "-"
// token names the element after the last one, which never exists in a value being read.
const ARRAY_INDEX_PATTERN = /^(0|[1-9][0-9]*)$/;

// A "~" that does not start ~0 or ~1 is invalid in a reference token.
const BAD_ESCAPE_PATTERN = /~(?![01])/;

/**
 * Returns why `text` cannot be used as a pointer to a field of the source event, or undefined
 * when it can. The message never repeats `text`, because callers show the value themselves.
 * The empty pointer is valid RFC 6901 syntax but is rejected, because it selects the whole
 * event, which is never the value of a single field.
 */
export function findPointerSyntaxProblem(text: string): string | undefined {
  if (text === '') {
    return 'the empty pointer selects the whole event, not a field';
  }
  if (text.startsWith('#')) {
    return 'the URI fragment form (#/...) is not accepted, so drop the leading #';
  }
  if (!text.startsWith('/')) {
    return 'a JSON Pointer must start with "/"';
  }
  if (BAD_ESCAPE_PATTERN.test(text)) {
    return 'in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/")';
  }
  return undefined;
}

/** Compiles a pointer. Throws a TypeError when findPointerSyntaxProblem reports a problem. */
export function compilePointer(text: string): CompiledPointer {
  const problem = findPointerSyntaxProblem(text);
  if (problem !== undefined) {
    throw new TypeError(`invalid JSON Pointer ${JSON.stringify(text)}: ${problem}`);
  }

  const tokens = text
    .slice(1)
    .split('/')
    // RFC 6901 section 4: decode ~1 before ~0, so that "~01" becomes "~1" and not "/".
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  const arrayIndexes = tokens.map(toArrayIndex);
  return { text, tokens, arrayIndexes };
}

function toArrayIndex(token: string): number {
  if (!ARRAY_INDEX_PATTERN.test(token)) {
    return -1;
  }
  const index = Number(token);
  return Number.isSafeInteger(index) ? index : -1;
}

/**
 * Returns the value that `pointer` selects in `root`, or undefined when it selects nothing.
 * Nothing is selected by a missing key, an index past the end of an array, a token that is
 * not an index applied to an array, or any token applied to a string, number, boolean or null.
 * Only own properties are read, so a token such as "__proto__" never reaches a prototype.
 */
export function resolvePointer(root: unknown, pointer: CompiledPointer): unknown {
  const { tokens, arrayIndexes } = pointer;
  let current = root;

  for (let position = 0; position < tokens.length; position++) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }

    if (Array.isArray(current)) {
      const index = arrayIndexes[position] ?? -1;
      if (index < 0 || index >= current.length) {
        return undefined;
      }
      current = current[index];
      continue;
    }

    const token = tokens[position] ?? '';
    if (!Object.hasOwn(current, token)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[token];
  }

  return current;
}
