import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compilePointer,
  findPointerSyntaxProblem,
  resolvePointer,
} from '../../../src/mapping/declarative/json-pointer.ts';

function resolve(root: unknown, pointer: string): unknown {
  return resolvePointer(root, compilePointer(pointer));
}

describe('findPointerSyntaxProblem', () => {
  const valid = ['/a', '/a/b', '/', '//', '/a~0b', '/a~1b', '/~01', '/0', '/-', '/a b', '/ä/😀'];
  for (const pointer of valid) {
    it(`accepts ${JSON.stringify(pointer)}`, () => {
      assert.equal(findPointerSyntaxProblem(pointer), undefined);
    });
  }

  const invalid: { pointer: string; problem: string }[] = [
    { pointer: '', problem: 'the empty pointer selects the whole event, not a field' },
    { pointer: 'a/b', problem: 'a JSON Pointer must start with "/"' },
    { pointer: '#/a', problem: 'the URI fragment form (#/...) is not accepted, so drop the leading #' },
    { pointer: '/a~2', problem: 'in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/")' },
    { pointer: '/a~', problem: 'in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/")' },
    { pointer: '/~/b', problem: 'in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/")' },
  ];
  for (const { pointer, problem } of invalid) {
    it(`rejects ${JSON.stringify(pointer)}`, () => {
      assert.equal(findPointerSyntaxProblem(pointer), problem);
    });
  }
});

describe('compilePointer', () => {
  it('decodes ~1 to / and ~0 to ~', () => {
    assert.deepEqual(compilePointer('/a~1b/c~0d').tokens, ['a/b', 'c~d']);
  });

  it('decodes ~01 to ~1, not to /', () => {
    assert.deepEqual(compilePointer('/~01').tokens, ['~1']);
  });

  it('keeps empty reference tokens', () => {
    assert.deepEqual(compilePointer('/').tokens, ['']);
    assert.deepEqual(compilePointer('/a//b').tokens, ['a', '', 'b']);
  });

  it('precomputes array indexes', () => {
    assert.deepEqual(compilePointer('/0/10/01/-/x/99999999999999999999').arrayIndexes, [0, 10, -1, -1, -1, -1]);
  });

  it('throws on invalid syntax', () => {
    assert.throws(() => compilePointer('a'), { name: 'TypeError', message: 'invalid JSON Pointer "a": a JSON Pointer must start with "/"' });
  });
});

describe('resolvePointer', () => {
  const source = {
    requestId: 'r-1',
    'a/b': 'slash',
    'm~n': 'tilde',
    '~1': 'escaped tilde one',
    '': { '': 'empty keys' },
    customer: { crmId: 'CRM-1', email: null, tags: ['x', 'y'] },
    list: [{ id: 'first' }, { id: 'second' }],
    count: 3,
    flag: false,
    text: 'abc',
  };

  const cases: { pointer: string; expected: unknown }[] = [
    { pointer: '/requestId', expected: 'r-1' },
    { pointer: '/customer/crmId', expected: 'CRM-1' },
    { pointer: '/a~1b', expected: 'slash' },
    { pointer: '/m~0n', expected: 'tilde' },
    { pointer: '/~01', expected: 'escaped tilde one' },
    { pointer: '//', expected: 'empty keys' },
    { pointer: '/customer/email', expected: null },
    { pointer: '/customer/tags', expected: ['x', 'y'] },
    { pointer: '/customer/tags/1', expected: 'y' },
    { pointer: '/list/0/id', expected: 'first' },
    { pointer: '/list/1/id', expected: 'second' },
    { pointer: '/count', expected: 3 },
    { pointer: '/flag', expected: false },
  ];
  for (const { pointer, expected } of cases) {
    it(`selects ${pointer}`, () => {
      assert.deepEqual(resolve(source, pointer), expected);
    });
  }

  const missing = [
    '/nothing',
    '/customer/phone',
    '/customer/email/address',
    '/customer/tags/2',
    '/customer/tags/-',
    '/customer/tags/01',
    '/customer/tags/length',
    '/list/id',
    '/count/0',
    '/text/0',
    '/text/length',
    '/flag/x',
    '/a/b',
    '/constructor',
    '/__proto__',
    '/toString',
    '/customer/hasOwnProperty',
  ];
  for (const pointer of missing) {
    it(`finds nothing at ${pointer}`, () => {
      assert.equal(resolve(source, pointer), undefined);
    });
  }

  it('reads a "__proto__" key that JSON.parse made an own property', () => {
    const parsed = JSON.parse('{"__proto__":{"id":"own"}}') as unknown;
    assert.equal(resolve(parsed, '/__proto__/id'), 'own');
  });

  it('finds nothing below a non-object root', () => {
    assert.equal(resolve('text', '/0'), undefined);
    assert.equal(resolve(null, '/a'), undefined);
  });
});
