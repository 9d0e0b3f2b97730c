/**
 * Classifies the errors of a schema lookup through @kafkajs/confluent-schema-registry (3.9):
 * a response that rejects the record, or an outage that the pipeline must retry.
 */

/** Cause of a failed lookup. Stable snake_case values for logs and metric labels. */
export type RegistryUnavailableCode =
  /** Connection refused, reset or dropped before a response, or a DNS failure. */
  | 'registry_unreachable'
  /** No response within the request timeout. */
  | 'registry_timeout'
  /** A 5xx, 408 or 429 response. */
  | 'registry_server_error'
  /** 401 or 403: the credentials are missing, wrong or lack access. */
  | 'registry_unauthorized'
  /** Any other response that is not a schema, such as a 404 without a registry error body. */
  | 'registry_unexpected_response';

/**
 * The Schema Registry could not be asked, so the record can be neither decoded nor rejected.
 * The caller retries the record later and settles nothing past it meanwhile; it never
 * dead-letters the record for this error.
 */
export class SchemaRegistryUnavailableError extends Error {
  override name = 'SchemaRegistryUnavailableError';
  readonly retriable = true;
  readonly code: RegistryUnavailableCode;
  readonly schemaId: number;
  /** HTTP status of the failed response, when there was one. */
  readonly status: number | undefined;

  constructor(code: RegistryUnavailableCode, schemaId: number, status: number | undefined, message: string) {
    super(message);
    this.code = code;
    this.schemaId = schemaId;
    this.status = status;
  }
}

export type LookupFailure =
  | { readonly kind: 'unknown_schema_id'; readonly message: string }
  | { readonly kind: 'unsupported_schema'; readonly message: string }
  | { readonly kind: 'unavailable'; readonly error: SchemaRegistryUnavailableError };

/** The fields that the client's ResponseError carries. Its class is not exported. */
interface ResponseErrorLike {
  name: 'ResponseError';
  status: number;
  message: string;
  /** Method and URL, such as "get http://127.0.0.1:8081/schemas/ids/7". */
  url: string;
}

function isResponseError(error: unknown): error is ResponseErrorLike {
  return (
    error instanceof Error &&
    error.name === 'ResponseError' &&
    typeof (error as Partial<ResponseErrorLike>).status === 'number' &&
    typeof (error as Partial<ResponseErrorLike>).url === 'string'
  );
}

/** Maximum length of the registry or network message kept in an error message. */
const MAX_DETAIL_LENGTH = 200;

/**
 * Returns the part of the client's message after "<clientId> - ", shortened. The client puts
 * the response body there when it has no message field, and a proxy's HTML page can be long.
 */
function detailOf(message: string): string {
  const separator = message.indexOf(' - ');
  const detail = separator === -1 ? message : message.slice(separator + 3);
  return detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}…` : detail;
}

/**
 * Checks whether the response had a registry error body. The client (3.9) builds the message
 * from the body's `message` field, and falls back to "Error, status <status>" when there is
 * none. That happens for a network error, a timeout, or a response that is not a registry
 * error, such as a proxy's page.
 */
function hasRegistryErrorBody(error: ResponseErrorLike): boolean {
  return !error.message.includes(`Error, status ${error.status}`);
}

/** Returns the path of the failed request, without the scheme, host or credentials. */
function requestPath(error: ResponseErrorLike): string {
  const url = error.url.slice(error.url.indexOf(' ') + 1);
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/**
 * Classifies an error thrown while the client fetched and parsed the schema with id `schemaId`.
 * `schemaPathPrefix` is the path of the registry's /schemas/ids/ route under the configured URL.
 */
export function classifyLookupFailure(error: unknown, schemaId: number, schemaPathPrefix: string): LookupFailure {
  if (error instanceof Error && error.name === 'ConfluentSchemaRegistryArgumentError') {
    // The client throws this when the schema type is unknown or the schema text does not parse.
    return { kind: 'unsupported_schema', message: `schema ${schemaId} cannot be used: ${detailOf(error.message)}` };
  }
  if (!isResponseError(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    const unavailable = new SchemaRegistryUnavailableError(
      'registry_unexpected_response',
      schemaId,
      undefined,
      `looking up schema ${schemaId} failed: ${detailOf(detail)}`,
    );
    return { kind: 'unavailable', error: unavailable };
  }

  const status = error.status;
  const detail = detailOf(error.message);
  const path = requestPath(error);
  const registryError = hasRegistryErrorBody(error);

  if (status === 404 && registryError && path.startsWith(schemaPathPrefix)) {
    return { kind: 'unknown_schema_id', message: `the Schema Registry has no schema with id ${schemaId} (${detail})` };
  }
  if (status === 404 && registryError) {
    // A 404 from another route comes from resolving a reference of the schema.
    return { kind: 'unsupported_schema', message: `a reference of schema ${schemaId} cannot be resolved: ${detail}` };
  }

  let code: RegistryUnavailableCode;
  let responseStatus: number | undefined = status;
  if (status === 400 && !registryError) {
    // The client reports network errors and timeouts as status 400 without a response body.
    code = detail.includes('Timeout (') ? 'registry_timeout' : 'registry_unreachable';
    responseStatus = undefined;
  } else if (status >= 500 || status === 408 || status === 429) {
    code = 'registry_server_error';
  } else if (status === 401 || status === 403) {
    code = 'registry_unauthorized';
  } else {
    code = 'registry_unexpected_response';
  }
  const statusText = responseStatus === undefined ? '' : ` with status ${responseStatus}`;
  const message = `looking up schema ${schemaId} in the Schema Registry failed${statusText}: ${detail}`;
  return { kind: 'unavailable', error: new SchemaRegistryUnavailableError(code, schemaId, responseStatus, message) };
}
