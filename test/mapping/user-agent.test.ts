import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUserAgentId } from '../../src/mapping/user-agent.ts';
import type { DocumentType } from '../../src/mapping/policy.ts';

describe('checkUserAgentId', () => {
  const cases: {
    id: string;
    documentType?: DocumentType;
    extraPrefixes?: string[];
    expected: string | undefined;
  }[] = [
    { id: 'vec:89998434', expected: undefined },
    { id: 'vec:89998434', documentType: 'USER_IDENTIFIERS_DELETION', expected: undefined },
    { id: 'udp:987654', expected: undefined },
    { id: 'udp:987654', documentType: 'USER_IDENTIFIERS_DELETION', expected: 'not_supported_by_document_type' },
    { id: 'net:9:12345', expected: undefined },
    { id: 'net:9:a:b c', expected: undefined },
    { id: 'vec:', expected: 'invalid_user_agent_id' },
    { id: 'vec:12a', expected: 'invalid_user_agent_id' },
    { id: 'vec:123 ', expected: 'invalid_user_agent_id' },
    { id: 'udp:-1', expected: 'invalid_user_agent_id' },
    { id: 'udp:x', documentType: 'USER_IDENTIFIERS_DELETION', expected: 'invalid_user_agent_id' },
    { id: 'net:9:', expected: 'invalid_user_agent_id' },
    { id: 'net:abc:1', expected: 'invalid_user_agent_id' },
    { id: 'net:9', expected: 'invalid_user_agent_id' },
    { id: 'VEC:1', expected: 'unknown_user_agent_prefix' },
    { id: 'web:321:abcd', expected: 'unknown_user_agent_prefix' },
    { id: '89998434', expected: 'unknown_user_agent_prefix' },
    { id: 'web:321:abcd', extraPrefixes: ['tech:', 'web:'], expected: undefined },
    { id: 'web:', extraPrefixes: ['web:'], expected: 'invalid_user_agent_id' },
    { id: 'tech:apx:1', extraPrefixes: ['web:'], expected: 'unknown_user_agent_prefix' },
    { id: 'anything', extraPrefixes: [''], expected: 'unknown_user_agent_prefix' },
    { id: 'net:9:\ud800', expected: 'invalid_user_agent_id' },
  ];

  for (const testCase of cases) {
    const documentType = testCase.documentType ?? 'USER_POINTS_DELETION';
    const extraPrefixes = testCase.extraPrefixes ?? [];
    const extras = extraPrefixes.length > 0 ? ` with ${extraPrefixes.join(' ')}` : '';
    it(`checks ${testCase.id} for ${documentType}${extras}`, () => {
      assert.equal(checkUserAgentId(testCase.id, documentType, extraPrefixes), testCase.expected);
    });
  }
});
