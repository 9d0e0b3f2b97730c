import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeLine, type DeletionLine } from '../../src/mapping/lines.ts';

describe('serializeLine', () => {
  const cases: { line: DeletionLine; text: string }[] = [
    {
      line: { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' },
      text: '{"type":"USER_POINT","user_point_id":"95772db3-e762-45da-8cf1-4893debffae7"}',
    },
    {
      line: { type: 'USER_ACCOUNT', user_account_id: '8541254132', compartment_id: '1000' },
      text: '{"type":"USER_ACCOUNT","user_account_id":"8541254132","compartment_id":"1000"}',
    },
    {
      line: { type: 'USER_ACCOUNT', user_account_id: '8541254132' },
      text: '{"type":"USER_ACCOUNT","user_account_id":"8541254132"}',
    },
    {
      line: { type: 'USER_EMAIL', hash: 'abc123' },
      text: '{"type":"USER_EMAIL","hash":"abc123"}',
    },
    {
      line: { type: 'USER_AGENT', user_agent_id: 'vec:89998434' },
      text: '{"type":"USER_AGENT","user_agent_id":"vec:89998434"}',
    },
  ];

  for (const testCase of cases) {
    it(`writes a ${testCase.line.type} line`, () => {
      assert.equal(serializeLine(testCase.line), testCase.text);
    });
  }

  it('ignores the key order of the input object', () => {
    const line = { compartment_id: '1000', user_account_id: 'a', type: 'USER_ACCOUNT' } as const;
    assert.equal(serializeLine(line), '{"type":"USER_ACCOUNT","user_account_id":"a","compartment_id":"1000"}');
  });

  it('escapes quotes, new lines and lone surrogates', () => {
    const text = serializeLine({ type: 'USER_ACCOUNT', user_account_id: 'a"b\nc\ud800' });
    assert.equal(text, '{"type":"USER_ACCOUNT","user_account_id":"a\\"b\\nc\\ud800"}');
    assert.equal(text.includes('\n'), false);
    assert.deepEqual(JSON.parse(text), { type: 'USER_ACCOUNT', user_account_id: 'a"b\nc\ud800' });
  });
});
