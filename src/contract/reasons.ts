/**
 * Stable reason codes for every record, event or identifier that the connector does not turn
 * into deletion lines. The same code is used in dead-letter headers, logs and metric labels, so
 * a code is never renamed or reused for another meaning once released.
 */

/** Outcome for the record, event or identifier that a reason code applies to. */
export type ReasonOutcome =
  /** The whole record goes to the dead-letter topic. */
  | 'dead_letter'
  /** The event is counted and its offset settled, without deletion and without a dead letter. */
  | 'skip_event'
  /** One identifier is left out and the rest of the event is still processed. */
  | 'skip_identifier';

/** Documentation entry of one reason code. */
export interface ReasonDescription {
  readonly outcome: ReasonOutcome;
  readonly description: string;
}

export const REASONS = {
  // Decoding the record value.
  record_too_large: {
    outcome: 'dead_letter',
    description: 'The record value is larger than the configured maximum record size (default 64 KiB).',
  },
  invalid_utf8: {
    outcome: 'dead_letter',
    description: 'The record value is not valid UTF-8.',
  },
  invalid_json: {
    outcome: 'dead_letter',
    description: 'The record value is empty or is not valid JSON.',
  },
  not_an_object: {
    outcome: 'dead_letter',
    description: 'The JSON value is an array, string, number, boolean or null instead of an object.',
  },
  duplicate_key: {
    outcome: 'dead_letter',
    description: 'A JSON object contains the same key twice, so its value is ambiguous.',
  },
  nesting_too_deep: {
    outcome: 'dead_letter',
    description: 'Objects and arrays are nested more than 32 levels deep.',
  },

  // Decoding a record in the Schema Registry wire format (byte 0, then a 4-byte schema id).
  unknown_schema_id: {
    outcome: 'dead_letter',
    description:
      'The record is in the Schema Registry wire format, but the registry has no schema with its schema id (HTTP 404, error code 40403).',
  },
  unsupported_schema: {
    outcome: 'dead_letter',
    description:
      "The registry returned a schema for the record's schema id that the connector cannot use: an unknown schema type, a schema that does not parse, or a reference that cannot be resolved.",
  },
  schema_payload_invalid: {
    outcome: 'dead_letter',
    description:
      "The bytes after the schema id do not decode with the record's Avro or Protobuf schema: truncated, followed by extra bytes, malformed, or holding more than 65,536 Avro array or map items.",
  },

  schema_registry_not_configured: {
    outcome: 'dead_letter',
    description: 'The record is in the Schema Registry wire format (magic byte 0) but no SCHEMA_REGISTRY_URL is configured.',
  },

  // Validating the event envelope against the consent event contract.
  unsupported_schema_version: {
    outcome: 'dead_letter',
    description: 'schema_version is present and is not 1.',
  },
  missing_field: {
    outcome: 'dead_letter',
    description: 'A required field of the event or of a withdrawn purpose is absent.',
  },
  invalid_field: {
    outcome: 'dead_letter',
    description: 'A field has the wrong JSON type, length or format.',
  },
  invalid_timestamp: {
    outcome: 'dead_letter',
    description: 'occurred_at is not an RFC 3339 date-time with an offset (Z or ±hh:mm).',
  },
  unknown_event_type: {
    outcome: 'dead_letter',
    description:
      'event_type is not erasure.requested, consent.withdrawn, consent.updated or consent.granted.',
  },
  too_many_identifiers: {
    outcome: 'dead_letter',
    description: 'identifiers contains more than 100 items.',
  },

  // Mapping a valid event to deletion lines.
  no_usable_identifier: {
    outcome: 'dead_letter',
    description: 'Every identifier of the event was skipped, so no deletion line is left.',
  },

  // Delivering an event's lines to mediarithmics.
  api_rejected_line: {
    outcome: 'dead_letter',
    description:
      "The API answered 400 to an execution holding only this event's line, after the window was split to isolate it.",
  },
  api_line_too_large: {
    outcome: 'dead_letter',
    description: 'The API responded 413 to an execution containing only this line.',
  },
  api_rejected_request: {
    outcome: 'dead_letter',
    description:
      'The API answered a client error that no retry can fix (a 4xx other than 400, 401, 403, 408, 413 and 429, or 501); the status is kept with the dead letter.',
  },
  document_import_unavailable: {
    outcome: 'dead_letter',
    description:
      "The document import of the event's datamart could not be found or created because the API answered a client error (for example 404 for an unknown datamart).",
  },

  // Events skipped by policy.
  tombstone: {
    outcome: 'skip_event',
    description: 'The record value is null (a tombstone), which is not an event.',
  },
  event_not_deleting: {
    outcome: 'skip_event',
    description: 'The event type never deletes anything (consent.granted).',
  },
  no_triggering_purpose: {
    outcome: 'skip_event',
    description:
      'The withdrawal or update withdraws no purpose from the configured trigger list, or withdraws no purpose at all.',
  },
  jurisdiction_not_selected: {
    outcome: 'skip_event',
    description: 'jurisdiction.regulation is not in the configured list of jurisdictions.',
  },
  jurisdiction_missing: {
    outcome: 'skip_event',
    description:
      'A list of jurisdictions is configured but the event has no jurisdiction.regulation.',
  },

  // Identifiers left out of an otherwise valid event.
  invalid_identifier: {
    outcome: 'skip_identifier',
    description: 'The identifier is not a JSON object or has no string type field.',
  },
  unknown_identifier_type: {
    outcome: 'skip_identifier',
    description:
      'The identifier type is not user_point, user_account, email, email_hash or user_agent.',
  },
  invalid_user_point_id: {
    outcome: 'skip_identifier',
    description: 'user_point_id is missing or is not a UUID.',
  },
  invalid_user_account_id: {
    outcome: 'skip_identifier',
    description: 'user_account_id is missing, empty, not a string or not well-formed Unicode.',
  },
  invalid_compartment_id: {
    outcome: 'skip_identifier',
    description: 'compartment_id is present but is not a string of digits.',
  },
  invalid_email: {
    outcome: 'skip_identifier',
    description:
      'email is missing, does not contain exactly one @, or has an empty local part or domain after normalisation.',
  },
  invalid_email_hash: {
    outcome: 'skip_identifier',
    description: 'hash is missing or is not a hexadecimal string.',
  },
  unsupported_hash_algorithm: {
    outcome: 'skip_identifier',
    description: 'algorithm is not sha256, sha1 or md5.',
  },
  email_hash_length_mismatch: {
    outcome: 'skip_identifier',
    description:
      'The hash length does not fit its algorithm (64 hex digits for sha256, 40 for sha1, 32 for md5).',
  },
  email_hash_algorithm_mismatch: {
    outcome: 'skip_identifier',
    description: "The hash algorithm differs from the datamart's configured email hash algorithm.",
  },
  invalid_user_agent_id: {
    outcome: 'skip_identifier',
    description:
      'user_agent_id is missing or empty, or a known prefix (vec:, udp:, net:) is followed by the wrong syntax.',
  },
  unknown_user_agent_prefix: {
    outcome: 'skip_identifier',
    description:
      'user_agent_id starts with none of vec:, udp:, net: or the configured extra prefixes.',
  },
  identifier_too_long: {
    outcome: 'skip_identifier',
    description:
      'The identifier value is longer than its limit (254 characters for email, 256 for user_account_id and user_agent_id).',
  },
  not_supported_by_document_type: {
    outcome: 'skip_identifier',
    description:
      'The identifier cannot appear in the configured document type (user_point and udp: ids need USER_POINTS_DELETION).',
  },
  duplicate_line: {
    outcome: 'skip_identifier',
    description:
      'The identifier produces the same deletion line as an earlier identifier of the event, so the line is sent once.',
  },
} as const satisfies Record<string, ReasonDescription>;

export type ReasonCode = keyof typeof REASONS;

/** Names a subset of reason codes, so that the compiler rejects a code missing from REASONS. */
export type ReasonSubset<T extends ReasonCode> = T;

/** Pipeline stage that rejected a record. */
export type RejectionStage = 'decode' | 'validate' | 'map';

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(REASONS, value);
}
