/**
 * Deletion lines of the mediarithmics USER_POINTS_DELETION and USER_IDENTIFIERS_DELETION
 * document imports. Each line is one JSON object in the ndjson body of an execution.
 */

export type DeletionLine =
  | { type: 'USER_POINT'; user_point_id: string }
  | { type: 'USER_ACCOUNT'; user_account_id: string; compartment_id?: string }
  | { type: 'USER_EMAIL'; hash: string }
  | { type: 'USER_AGENT'; user_agent_id: string };

/**
 * Serializes a line as compact JSON without a trailing newline. Keys come in a fixed order with
 * `type` first, so equal lines always give equal text and can be compared as strings.
 * compartment_id is written as a string of digits, as in the mediarithmics curl examples.
 */
export function serializeLine(line: DeletionLine): string {
  switch (line.type) {
    case 'USER_POINT':
      return `{"type":"USER_POINT","user_point_id":${JSON.stringify(line.user_point_id)}}`;
    case 'USER_ACCOUNT':
      if (line.compartment_id === undefined) {
        return `{"type":"USER_ACCOUNT","user_account_id":${JSON.stringify(line.user_account_id)}}`;
      }
      return `{"type":"USER_ACCOUNT","user_account_id":${JSON.stringify(line.user_account_id)},"compartment_id":${JSON.stringify(line.compartment_id)}}`;
    case 'USER_EMAIL':
      return `{"type":"USER_EMAIL","hash":${JSON.stringify(line.hash)}}`;
    case 'USER_AGENT':
      return `{"type":"USER_AGENT","user_agent_id":${JSON.stringify(line.user_agent_id)}}`;
  }
}
