import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_RECORD_BYTES,
  MAX_NESTING_DEPTH,
  decodeJsonValue,
  type DecodeResult,
} from '../../src/decode/json-value.ts';

const OPTIONS = { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES };

function decodeText(text: string, options = OPTIONS): DecodeResult {
  return decodeJsonValue(Buffer.from(text, 'utf8'), options);
}

function nested(depth: number): string {
  // The root object is level 1, so depth - 1 arrays go inside it.
  return `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
}

describe('decodeJsonValue', () => {
  it('returns a tombstone for a null value', () => {
    assert.deepEqual(decodeJsonValue(null, OPTIONS), { kind: 'tombstone' });
  });

  it('returns the parsed object', () => {
    assert.deepEqual(decodeText('{"event_id":"e1","n":[1,{"x":null}]}'), {
      kind: 'value',
      value: { event_id: 'e1', n: [1, { x: null }] },
    });
  });

  it('uses a 64 KiB limit when options are omitted', () => {
    assert.equal(DEFAULT_MAX_RECORD_BYTES, 65_536);
    const padding = 'x'.repeat(DEFAULT_MAX_RECORD_BYTES);
    const result = decodeJsonValue(Buffer.from(`{"p":"${padding}"}`));
    assert.equal(result.kind, 'rejected');
    assert.equal(result.kind === 'rejected' && result.reason, 'record_too_large');
  });

  it('strips one leading byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    assert.deepEqual(decodeJsonValue(bytes, OPTIONS), { kind: 'value', value: { a: 1 } });
  });

  it('rejects a second byte order mark as invalid JSON', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const bytes = Buffer.concat([bom, bom, Buffer.from('{"a":1}')]);
    const result = decodeJsonValue(bytes, OPTIONS);
    assert.equal(result.kind === 'rejected' && result.reason, 'invalid_json');
  });

  it('keeps non-ASCII text intact', () => {
    assert.deepEqual(decodeText('{"name":"Zoë 😀"}'), {
      kind: 'value',
      value: { name: 'Zoë 😀' },
    });
  });
});

describe('decodeJsonValue rejections', () => {
  const cases: { name: string; bytes: Uint8Array; reason: string; maxRecordBytes?: number }[] = [
    { name: 'a lone continuation byte', bytes: Buffer.from([0x7b, 0x80, 0x7d]), reason: 'invalid_utf8' },
    { name: 'a 0xff byte', bytes: Buffer.from('{"a":"\xff"}', 'latin1'), reason: 'invalid_utf8' },
    { name: 'an overlong encoding of /', bytes: Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]), reason: 'invalid_utf8' },
    { name: 'a truncated sequence', bytes: Buffer.from([0x7b, 0x22, 0xe2, 0x82, 0x22, 0x7d]), reason: 'invalid_utf8' },
    { name: 'an encoded surrogate', bytes: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), reason: 'invalid_utf8' },
    { name: 'an empty value', bytes: Buffer.alloc(0), reason: 'invalid_json' },
    { name: 'white space only', bytes: Buffer.from(' \n\t'), reason: 'invalid_json' },
    { name: 'a trailing comma', bytes: Buffer.from('{"a":1,}'), reason: 'invalid_json' },
    { name: 'text after the object', bytes: Buffer.from('{"a":1} {"b":2}'), reason: 'invalid_json' },
    { name: 'single quotes', bytes: Buffer.from("{'a':1}"), reason: 'invalid_json' },
    { name: 'a truncated object', bytes: Buffer.from('{"a":'), reason: 'invalid_json' },
    { name: 'an array', bytes: Buffer.from('[{"a":1}]'), reason: 'not_an_object' },
    { name: 'a string', bytes: Buffer.from('"{}"'), reason: 'not_an_object' },
    { name: 'a number', bytes: Buffer.from('42'), reason: 'not_an_object' },
    { name: 'null', bytes: Buffer.from('null'), reason: 'not_an_object' },
    { name: 'a boolean', bytes: Buffer.from('true'), reason: 'not_an_object' },
    { name: 'one byte over the limit', bytes: Buffer.from('{"a":"12345"}'), reason: 'record_too_large', maxRecordBytes: 12 },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, () => {
      const result = decodeJsonValue(testCase.bytes, {
        maxRecordBytes: testCase.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
      });
      assert.equal(result.kind, 'rejected');
      assert.equal(result.kind === 'rejected' && result.stage, 'decode');
      assert.equal(result.kind === 'rejected' && result.reason, testCase.reason);
    });
  }

  it('accepts a value exactly at the limit', () => {
    const text = '{"a":"12345"}';
    const result = decodeText(text, { maxRecordBytes: Buffer.byteLength(text) });
    assert.equal(result.kind, 'value');
  });

  it('counts bytes, not characters, against the limit', () => {
    // 7 characters but 8 bytes in UTF-8.
    const text = '{"é":1}';
    assert.equal(Buffer.byteLength(text), 8);
    const result = decodeText(text, { maxRecordBytes: 7 });
    assert.equal(result.kind === 'rejected' && result.reason, 'record_too_large');
  });

  it('names the size in the too-large message', () => {
    const result = decodeText('{"a":"12345"}', { maxRecordBytes: 12 });
    assert.equal(
      result.kind === 'rejected' && result.message,
      'record value is 13 bytes, above the maximum of 12 bytes',
    );
  });

  it('keeps record content out of JSON error messages', () => {
    for (const text of ['{"email":"jane@example.com" "x":1}', 'jane@example.com', '{"email":"jane@example.com"']) {
      const result = decodeText(text);
      assert.equal(result.kind === 'rejected' && result.reason, 'invalid_json');
      const message = result.kind === 'rejected' ? result.message : '';
      assert.doesNotMatch(message, /jane/);
    }
  });

  it('gives the position of a JSON syntax error', () => {
    const result = decodeText('{"a":1,}');
    assert.equal(
      result.kind === 'rejected' && result.message,
      'record value is not valid JSON (syntax error at character 7)',
    );
  });

  it('names the JSON type of a non-object', () => {
    const result = decodeText('[1]');
    assert.equal(result.kind === 'rejected' && result.message, 'JSON value is an array, expected an object');
  });
});

describe('decodeJsonValue duplicate keys', () => {
  const rejected: { name: string; text: string }[] = [
    { name: 'at the root', text: '{"event_id":"a","event_id":"b"}' },
    { name: 'with white space around the colon', text: '{"a" : 1,\n "a"\t:\r\n2}' },
    { name: 'inside an identifier', text: '{"identifiers":[{"type":"email","email":"a@b","email":"c@d"}]}' },
    { name: 'written with a unicode escape', text: '{"a":1,"\\u0061":2}' },
    { name: 'containing an escaped quote', text: '{"a\\"b":1,"a\\"b":2}' },
    { name: 'named __proto__', text: '{"__proto__":1,"__proto__":2}' },
    { name: 'in an object with many keys', text: `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k39":0}` },
    { name: 'after a nested object closes', text: '{"a":{"b":1},"c":2,"a":3}' },
  ];

  for (const testCase of rejected) {
    it(`rejects a duplicate ${testCase.name}`, () => {
      const result = decodeText(testCase.text);
      assert.equal(result.kind === 'rejected' && result.reason, 'duplicate_key');
    });
  }

  const accepted: { name: string; text: string }[] = [
    { name: 'the same key in sibling objects', text: '{"identifiers":[{"type":"email"},{"type":"email"}]}' },
    { name: 'the same key at different depths', text: '{"type":"x","scope":{"type":"y","inner":{"type":"z"}}}' },
    { name: 'a key-like text inside a string value', text: '{"a":"\\"b\\":1,","b":2}' },
    { name: 'strings ending in escaped backslashes', text: '{"a":"x\\\\","b":"\\\\\\\\","c":1}' },
    { name: 'keys that differ only in case', text: '{"Email":1,"email":2}' },
    { name: 'a string value equal to a key', text: '{"a":"a","b":["a","a"]}' },
  ];

  for (const testCase of accepted) {
    it(`accepts ${testCase.name}`, () => {
      assert.equal(decodeText(testCase.text).kind, 'value');
    });
  }

  it('names the duplicate key in the message', () => {
    const result = decodeText('{"scope":{"all":true,"all":false}}');
    assert.equal(
      result.kind === 'rejected' && result.message,
      'duplicate key "all" in a JSON object at nesting depth 2',
    );
  });
});

describe('decodeJsonValue nesting depth', () => {
  it(`accepts ${MAX_NESTING_DEPTH} levels`, () => {
    assert.equal(MAX_NESTING_DEPTH, 32);
    assert.equal(decodeText(nested(MAX_NESTING_DEPTH)).kind, 'value');
  });

  it(`rejects ${MAX_NESTING_DEPTH + 1} levels`, () => {
    const result = decodeText(nested(MAX_NESTING_DEPTH + 1));
    assert.equal(result.kind === 'rejected' && result.reason, 'nesting_too_deep');
  });

  it('rejects deep nesting of objects', () => {
    const depth = 1000;
    const text = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const result = decodeText(text);
    assert.equal(result.kind === 'rejected' && result.reason, 'nesting_too_deep');
  });

  it('ignores brackets inside strings', () => {
    const text = `{"a":"${'['.repeat(100)}{{{"}`;
    assert.equal(decodeText(text).kind, 'value');
  });
});

describe('decodeJsonValue prototype keys', () => {
  it('keeps __proto__ as an own property', () => {
    const result = decodeText('{"__proto__":{"polluted":true},"a":1}');
    assert.equal(result.kind, 'value');
    const value = result.kind === 'value' ? result.value : {};
    assert.ok(Object.hasOwn(value, '__proto__'));
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal((value as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  it('accepts constructor and prototype keys', () => {
    const result = decodeText('{"constructor":{"prototype":{"polluted":true}}}');
    assert.equal(result.kind, 'value');
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});

describe('decodeJsonValue numbers', () => {
  it('decodes integers beyond 2^53 and leaves them to validation', () => {
    const result = decodeText('{"schema_version":9007199254740993}');
    assert.equal(result.kind, 'value');
    const value = result.kind === 'value' ? result.value : {};
    assert.equal(Number.isSafeInteger(value['schema_version']), false);
  });
});
