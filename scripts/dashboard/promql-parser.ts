// Parser for the subset of PromQL that deploy/grafana/dashboard.json uses:
// selectors with label matchers and an optional range, rate(), increase(),
// histogram_quantile(), sum and max with an optional `by (...)` clause,
// number literals, parentheses and + - * / between operands. Anything else
// raises UnsupportedQueryError, so the page marks the panel as not evaluated
// instead of drawing something Prometheus would not return.

export class UnsupportedQueryError extends Error {
  override name = 'UnsupportedQueryError';
}

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  operator: MatchOperator;
  value: string;
}

export type FunctionName = 'rate' | 'increase' | 'histogram_quantile';
export type AggregationName = 'sum' | 'max';
export type ArithmeticOperator = '+' | '-' | '*' | '/';

export type QueryNode =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; metric: string; matchers: LabelMatcher[]; rangeMs?: number }
  | { kind: 'call'; name: FunctionName; args: QueryNode[] }
  | { kind: 'aggregation'; name: AggregationName; by: string[]; operand: QueryNode }
  | { kind: 'binary'; operator: ArithmeticOperator; left: QueryNode; right: QueryNode };

const functionNames: ReadonlySet<string> = new Set<FunctionName>(['rate', 'increase', 'histogram_quantile']);
const aggregationNames: ReadonlySet<string> = new Set<AggregationName>(['sum', 'max']);
/** Aggregation operators of PromQL that this parser recognises only to name them in the error. */
const otherAggregations = new Set(['min', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group', 'limitk', 'limit_ratio']);
const unsupportedKeywords = new Set(['offset', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'atan2']);

type Token =
  | { type: 'identifier'; text: string }
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'duration'; ms: number }
  | { type: 'punctuation'; text: string };

/** Parses `query`, whose Grafana variables must already be replaced. */
export function parseQuery(query: string): QueryNode {
  const parser = new Parser(tokenize(query));
  const node = parser.expression();
  parser.expectEnd();
  return node;
}

/** Parses a PromQL duration such as `5m`, `24h` or `1h30m` into milliseconds. */
export function parseDuration(text: string): number {
  const unitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  const pattern = /(\d+)(ms|s|m|h|d|w|y)/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * unitsMs[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.length) throw new UnsupportedQueryError(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < query.length) {
    const rest = query.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }

    const identifier = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (identifier) {
      tokens.push({ type: 'identifier', text: identifier[0] });
      position += identifier[0].length;
      continue;
    }

    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]) });
      position += number[0].length;
      continue;
    }

    if (rest.startsWith('"') || rest.startsWith("'")) {
      const { value, length } = readString(rest);
      tokens.push({ type: 'string', value });
      position += length;
      continue;
    }

    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close === -1) throw new UnsupportedQueryError('unterminated range [');
      const inside = rest.slice(1, close).trim();
      if (inside.includes(':')) throw new UnsupportedQueryError(`subquery [${inside}] is not supported`);
      tokens.push({ type: 'duration', ms: parseDuration(inside) });
      position += close + 1;
      continue;
    }

    const punctuation = /^(=~|!~|!=|==|>=|<=|[(){},=+\-*/%^<>@])/.exec(rest);
    if (punctuation) {
      tokens.push({ type: 'punctuation', text: punctuation[0] });
      position += punctuation[0].length;
      continue;
    }
    throw new UnsupportedQueryError(`unexpected character ${JSON.stringify(rest[0])} at position ${position}`);
  }
  return tokens;
}

/** Reads a quoted string literal at the start of `text`, with Go-style backslash escapes. */
function readString(text: string): { value: string; length: number } {
  const quote = text[0]!;
  let value = '';
  let position = 1;
  for (;;) {
    const char = text[position];
    if (char === undefined) throw new UnsupportedQueryError('unterminated string');
    if (char === quote) return { value, length: position + 1 };
    if (char === '\\') {
      const escaped = text[position + 1] ?? '';
      const replacements: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
      const replacement = replacements[escaped];
      if (replacement === undefined) throw new UnsupportedQueryError(`unsupported escape \\${escaped} in a string`);
      value += replacement;
      position += 2;
      continue;
    }
    value += char;
    position += 1;
  }
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token !== undefined) throw new UnsupportedQueryError(`unexpected ${describe(token)} after the end of the expression`);
  }

  /** Sum and difference, the lowest precedence this subset has. */
  expression(): QueryNode {
    let node = this.product();
    for (let operator = this.arithmetic(['+', '-']); operator; operator = this.arithmetic(['+', '-'])) {
      node = { kind: 'binary', operator, left: node, right: this.product() };
    }
    return node;
  }

  private product(): QueryNode {
    let node = this.operand();
    for (let operator = this.arithmetic(['*', '/']); operator; operator = this.arithmetic(['*', '/'])) {
      node = { kind: 'binary', operator, left: node, right: this.operand() };
    }
    return node;
  }

  private arithmetic(operators: ArithmeticOperator[]): ArithmeticOperator | undefined {
    const token = this.peek();
    if (token?.type === 'identifier' && unsupportedKeywords.has(token.text)) {
      throw new UnsupportedQueryError(`${token.text} is not supported`);
    }
    if (token?.type !== 'punctuation') return undefined;
    if ((operators as string[]).includes(token.text)) {
      this.position += 1;
      return token.text as ArithmeticOperator;
    }
    if (!['(', ')', '{', '}', ','].includes(token.text)) throw new UnsupportedQueryError(`operator ${token.text} is not supported`);
    return undefined;
  }

  private operand(): QueryNode {
    const token = this.next();
    if (token === undefined) throw new UnsupportedQueryError('the expression ends too early');
    if (token.type === 'number') return { kind: 'number', value: token.value };
    if (token.type === 'punctuation' && token.text === '(') {
      const inner = this.expression();
      this.expectPunctuation(')');
      return this.withRange(inner);
    }
    if (token.type !== 'identifier') throw new UnsupportedQueryError(`unexpected ${describe(token)}`);

    if (aggregationNames.has(token.text)) return this.aggregation(token.text as AggregationName);
    if (otherAggregations.has(token.text)) throw new UnsupportedQueryError(`aggregation ${token.text} is not supported`);
    if (unsupportedKeywords.has(token.text)) throw new UnsupportedQueryError(`${token.text} is not supported`);
    if (this.peekPunctuation('(')) {
      if (!functionNames.has(token.text)) throw new UnsupportedQueryError(`function ${token.text}() is not supported`);
      return this.call(token.text as FunctionName);
    }
    return this.selector(token.text);
  }

  private aggregation(name: AggregationName): QueryNode {
    let by = this.byClause();
    this.expectPunctuation('(');
    const operand = this.expression();
    if (this.peekPunctuation(',')) throw new UnsupportedQueryError(`${name} takes one argument here`);
    this.expectPunctuation(')');
    by = by ?? this.byClause();
    return { kind: 'aggregation', name, by: by ?? [], operand };
  }

  private byClause(): string[] | undefined {
    const token = this.peek();
    if (token?.type === 'identifier' && token.text === 'without') throw new UnsupportedQueryError('without (...) is not supported');
    if (token?.type !== 'identifier' || token.text !== 'by') return undefined;
    this.position += 1;
    this.expectPunctuation('(');
    const labels: string[] = [];
    while (!this.peekPunctuation(')')) {
      const label = this.next();
      if (label?.type !== 'identifier') throw new UnsupportedQueryError('by (...) must list label names');
      labels.push(label.text);
      if (!this.peekPunctuation(')')) this.expectPunctuation(',');
    }
    this.expectPunctuation(')');
    return labels;
  }

  private call(name: FunctionName): QueryNode {
    this.expectPunctuation('(');
    const args: QueryNode[] = [];
    while (!this.peekPunctuation(')')) {
      args.push(this.expression());
      if (!this.peekPunctuation(')')) this.expectPunctuation(',');
    }
    this.expectPunctuation(')');
    const expectedCount = name === 'histogram_quantile' ? 2 : 1;
    if (args.length !== expectedCount) throw new UnsupportedQueryError(`${name}() takes ${expectedCount} argument(s), got ${args.length}`);
    return { kind: 'call', name, args };
  }

  private selector(metric: string): QueryNode {
    const matchers: LabelMatcher[] = [];
    if (this.peekPunctuation('{')) {
      this.position += 1;
      while (!this.peekPunctuation('}')) {
        const label = this.next();
        const operator = this.next();
        const value = this.next();
        if (label?.type !== 'identifier') throw new UnsupportedQueryError('a label matcher must start with a label name');
        if (operator?.type !== 'punctuation' || !['=', '!=', '=~', '!~'].includes(operator.text)) {
          throw new UnsupportedQueryError(`invalid matcher operator after label ${label.text}`);
        }
        if (value?.type !== 'string') throw new UnsupportedQueryError(`the matcher of label ${label.text} needs a quoted value`);
        matchers.push({ label: label.text, operator: operator.text as MatchOperator, value: value.value });
        if (!this.peekPunctuation('}')) this.expectPunctuation(',');
      }
      this.position += 1;
    }
    return this.withRange({ kind: 'selector', metric, matchers });
  }

  /** Attaches a following `[duration]` to a selector. Only a plain selector may take one. */
  private withRange(node: QueryNode): QueryNode {
    const token = this.peek();
    if (token?.type !== 'duration') return node;
    if (node.kind !== 'selector' || node.rangeMs !== undefined) throw new UnsupportedQueryError('a range [..] is supported only after a plain selector');
    this.position += 1;
    const after = this.peek();
    if (after?.type === 'identifier' && after.text === 'offset') throw new UnsupportedQueryError('offset is not supported');
    if (after?.type === 'punctuation' && after.text === '@') throw new UnsupportedQueryError('the @ modifier is not supported');
    return { ...node, rangeMs: token.ms };
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token | undefined {
    const token = this.tokens[this.position];
    this.position += 1;
    return token;
  }

  private peekPunctuation(text: string): boolean {
    const token = this.peek();
    return token?.type === 'punctuation' && token.text === text;
  }

  private expectPunctuation(text: string): void {
    const token = this.next();
    if (token?.type !== 'punctuation' || token.text !== text) {
      throw new UnsupportedQueryError(`expected ${text} but found ${token === undefined ? 'the end' : describe(token)}`);
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'identifier':
      return `identifier ${token.text}`;
    case 'number':
      return `number ${token.value}`;
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'duration':
      return `range [${token.ms} ms]`;
    case 'punctuation':
      return `"${token.text}"`;
  }
}
