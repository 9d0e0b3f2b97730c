/**
 * A structural pass over JSON text that finds what JSON.parse silently accepts: duplicate keys,
 * where the last value wins without notice, and nesting deeper than the connector allows.
 *
 * The text must already be known to be valid JSON (JSON.parse succeeded on it), so the scanner
 * only tracks strings, brackets and braces and never reports a syntax error. It reads each
 * character at most a few times (string ends are found with indexOf), so its cost is linear
 * in the text length. It allocates one string per object key and one key list per nesting level.
 */

export interface StructureProblem {
  readonly reason: 'duplicate_key' | 'nesting_too_deep';
  readonly message: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Objects with up to this many keys are checked for duplicates by comparing each new key with
 * the earlier ones. Larger objects switch to a Set so that a record with thousands of keys
 * cannot make the check quadratic.
 */
const LINEAR_KEY_SEARCH_LIMIT = 16;

/** Maximum length, in UTF-16 code units, of a key quoted in a duplicate_key message. */
const MAX_QUOTED_KEY_LENGTH = 64;

/** Keys seen so far in one open object. */
interface KeyFrame {
  keys: string[];
  keySet: Set<string> | undefined;
}

/**
 * Returns the first duplicate key or excessive nesting in `text`, or undefined when there is
 * none. The root value counts as depth 1, so `{"a":[{}]}` has depth 3.
 */
export function findStructureProblem(text: string, maxDepth: number): StructureProblem | undefined {
  // frames[d] contains the keys of the object open at depth d. Sibling objects at the same depth
  // reuse the same frame, which is reset when the next one opens.
  const frames: KeyFrame[] = [];
  const length = text.length;
  let depth = 0;
  let index = 0;

  while (index < length) {
    const code = text.charCodeAt(index);

    if (code === QUOTE) {
      const closingQuote = findClosingQuote(text, index + 1);
      let next = closingQuote + 1;
      while (next < length && isJsonWhitespace(text.charCodeAt(next))) {
        next++;
      }

      // In valid JSON, a string followed by a colon is an object key and nothing else is.
      if (next < length && text.charCodeAt(next) === COLON) {
        const key = readKey(text, index + 1, closingQuote);
        const frame = frames[depth];
        if (frame !== undefined && !addKey(frame, key)) {
          return {
            reason: 'duplicate_key',
            message: `duplicate key ${quoteKey(key)} in a JSON object at nesting depth ${depth}`,
          };
        }
        index = next + 1;
      } else {
        index = closingQuote + 1;
      }
      continue;
    }

    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) {
        return {
          reason: 'nesting_too_deep',
          message: `JSON objects and arrays are nested more than ${maxDepth} levels deep`,
        };
      }
      if (code === OPEN_BRACE) {
        openFrame(frames, depth);
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
    index++;
  }

  return undefined;
}

function isJsonWhitespace(code: number): boolean {
  return code === SPACE || code === LINE_FEED || code === CARRIAGE_RETURN || code === TAB;
}

/** Returns the index of the quote that closes the string whose content starts at `start`. */
function findClosingQuote(text: string, start: number): number {
  let quote = text.indexOf('"', start);
  // A quote preceded by an odd number of backslashes is escaped and belongs to the string.
  // The opening quote stops the backward walk, so it never leaves the string.
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) {
      backslashes++;
    }
    if (backslashes % 2 === 0) {
      return quote;
    }
    quote = text.indexOf('"', quote + 1);
  }
  // Unreachable for valid JSON. Treating the rest of the text as one string ends the scan.
  return text.length;
}

/** Returns the decoded key, so that "a" and "\u0061" compare equal, as they do after JSON.parse. */
function readKey(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  if (raw.indexOf('\\') === -1) {
    return raw;
  }
  return JSON.parse(text.slice(start - 1, end + 1)) as string;
}

function openFrame(frames: KeyFrame[], depth: number): void {
  const frame = frames[depth];
  if (frame === undefined) {
    frames[depth] = { keys: [], keySet: undefined };
    return;
  }
  frame.keys.length = 0;
  frame.keySet = undefined;
}

/** Adds `key` to the frame and returns false when the frame already contains it. */
function addKey(frame: KeyFrame, key: string): boolean {
  if (frame.keySet !== undefined) {
    if (frame.keySet.has(key)) {
      return false;
    }
    frame.keySet.add(key);
    return true;
  }

  const keys = frame.keys;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === key) {
      return false;
    }
  }
  keys.push(key);
  if (keys.length > LINEAR_KEY_SEARCH_LIMIT) {
    frame.keySet = new Set(keys);
  }
  return true;
}

/** Quotes a key for an error message, cut to keep messages and dead-letter headers small. */
function quoteKey(key: string): string {
  if (key.length <= MAX_QUOTED_KEY_LENGTH) {
    return JSON.stringify(key);
  }
  return `${JSON.stringify(key.slice(0, MAX_QUOTED_KEY_LENGTH))}…`;
}
