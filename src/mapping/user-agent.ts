/**
 * Syntax checks for user_agent_id values. The ids are passed on unchanged: mediarithmics
 * documents vec:, udp: and net: ids, and other forms (web:, tech:, mobile ids) are only accepted
 * when configured, because their syntax is not documented.
 */

import type { ReasonSubset } from '../contract/reasons.ts';
import type { DocumentType } from './policy.ts';

/** mediarithmics vector id, the third-party cookie id, such as vec:89998434. */
const VECTOR_ID_PATTERN = /^vec:[0-9]+$/;
/** A whole device point, such as udp:987654. */
const DEVICE_POINT_ID_PATTERN = /^udp:[0-9]+$/;
/** A network id: registry number, then a non-empty value, such as net:9:12345. */
const NETWORK_ID_PATTERN = /^net:[0-9]+:[\s\S]+$/;

export type UserAgentIdProblem = ReasonSubset<
  'invalid_user_agent_id' | 'unknown_user_agent_prefix' | 'not_supported_by_document_type'
>;

/**
 * Checks a user_agent_id against the built-in prefixes, then the configured extra prefixes.
 * Returns undefined when the id can be sent, else the reason to skip it. udp: ids are only
 * accepted by USER_POINTS_DELETION, because USER_IDENTIFIERS_DELETION rejects device point ids.
 */
export function checkUserAgentId(
  userAgentId: string,
  documentType: DocumentType,
  extraPrefixes: readonly string[],
): UserAgentIdProblem | undefined {
  if (!userAgentId.isWellFormed()) {
    return 'invalid_user_agent_id';
  }

  if (userAgentId.startsWith('vec:')) {
    return VECTOR_ID_PATTERN.test(userAgentId) ? undefined : 'invalid_user_agent_id';
  }
  if (userAgentId.startsWith('udp:')) {
    if (!DEVICE_POINT_ID_PATTERN.test(userAgentId)) {
      return 'invalid_user_agent_id';
    }
    return documentType === 'USER_POINTS_DELETION' ? undefined : 'not_supported_by_document_type';
  }
  if (userAgentId.startsWith('net:')) {
    return NETWORK_ID_PATTERN.test(userAgentId) ? undefined : 'invalid_user_agent_id';
  }

  for (const prefix of extraPrefixes) {
    if (prefix.length > 0 && userAgentId.startsWith(prefix)) {
      return userAgentId.length > prefix.length ? undefined : 'invalid_user_agent_id';
    }
  }
  return 'unknown_user_agent_prefix';
}
