/**
 * Decodes record values in the Confluent Schema Registry wire format: byte 0, a 4-byte
 * big-endian schema id, then an Avro, JSON Schema or Protobuf payload. The schema is fetched
 * with @kafkajs/confluent-schema-registry, and the decoded value comes out in the shape that
 * JSON.parse gives for the same event, so the consent event contract applies unchanged.
 */

import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Type as AvroType } from 'avsc';
import type { Message, Type as ProtobufType } from 'protobufjs';

import type { ReasonSubset } from '../../contract/reasons.ts';
import { DEFAULT_MAX_RECORD_BYTES, decodeJsonValue, type DecodeReason } from '../json-value.ts';
import { createAvroDecoderOptions, normaliseAvroValue } from './avro.ts';
import { findAvroStructureProblem } from './avro-structure.ts';
import { classifyLookupFailure } from './errors.ts';
import { locateMessage, normaliseProtobufMessage } from './protobuf.ts';

export { SchemaRegistryUnavailableError, type RegistryUnavailableCode } from './errors.ts';

/** Length of the wire format header: the magic byte and the schema id. */
export const WIRE_HEADER_BYTES = 5;

export interface RegistryDecoderOptions {
  /** Base URL of the registry, such as http://schema-registry:8081. */
  readonly url: string;
  /** HTTP Basic credentials, for example a Confluent Cloud API key and secret. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Maximum time one request may wait for the registry without receiving data, in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Largest accepted record value, header included, in bytes. Default: 64 KiB. */
  readonly maxRecordBytes?: number;
}

export type RegistryDecodeReason = ReasonSubset<
  DecodeReason | 'unknown_schema_id' | 'unsupported_schema' | 'schema_payload_invalid'
>;

export interface RegistryDecodeRejection {
  readonly kind: 'rejected';
  readonly stage: 'decode';
  readonly reason: RegistryDecodeReason;
  /** Description of the failure, without any part of the record value. */
  readonly message: string;
}

export type RegistryDecodeResult =
  | { readonly kind: 'value'; readonly value: Record<string, unknown> }
  | RegistryDecodeRejection;

/** The parts of the client's ProtoSchema that the decoder uses. The class is not exported. */
interface ProtoSchemaLike {
  message: ProtobufType;
}

type SchemaLookup =
  | { readonly kind: 'schema'; readonly type: SchemaType; readonly schema: unknown }
  | RegistryDecodeRejection;

/**
 * Accepts every JSON payload. The decoder does not validate JSON Schema payloads against the
 * writer's schema, because the consent event contract decides validity and reports precise
 * reason codes, and because the client's bundled Ajv 7 cannot compile draft 2020-12 schemas
 * such as schemas/consent-event-v1.schema.json.
 */
const ACCEPT_EVERY_JSON_PAYLOAD = {
  addSchema: (): void => {},
  compile: () => Object.assign((): boolean => true, { errors: null }),
};

/**
 * Decodes wire format records. One instance serves the whole process: the client caches each
 * schema by id after the first successful lookup and shares one request among concurrent
 * lookups of the same id. A failed lookup is not cached, so the next record with that id sends
 * a new request.
 */
export class RegistryDecoder {
  private readonly registry: SchemaRegistry;
  private readonly maxRecordBytes: number;
  private readonly schemaPathPrefix: string;
  /** Protobuf schemas whose roots are resolved, because field presence depends on it. */
  private readonly resolvedProtobufSchemas = new WeakSet<object>();

  constructor(options: RegistryDecoderOptions) {
    const url = parseRegistryUrl(options.url);
    if (!Number.isSafeInteger(options.requestTimeoutMs) || options.requestTimeoutMs < 1) {
      throw new RangeError(`requestTimeoutMs must be a positive integer, received ${options.requestTimeoutMs}`);
    }
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.schemaPathPrefix = `${url.pathname.replace(/\/+$/, '')}/schemas/ids/`;

    const requestTimeoutMs = options.requestTimeoutMs;
    const timeoutMiddleware = () => ({
      prepareRequest: async (next: () => Promise<{ enhance(extras: { timeout: number }): unknown }>) =>
        (await next()).enhance({ timeout: requestTimeoutMs }),
    });

    this.registry = new SchemaRegistry(
      {
        host: url.href.replace(/\/+$/, ''),
        ...(options.auth === undefined ? {} : { auth: { username: options.auth.username, password: options.auth.password } }),
        // The pipeline retries a record whose lookup failed, with its own backoff and logs, so
        // the client must not retry on its own. NOTE: the client (3.9) merges retry settings
        // into one object that all its instances share, so these settings also apply to every
        // other SchemaRegistry instance in the process, and settings passed later by another
        // instance would replace them.
        retry: { retries: 0, maxRetryTimeInSecs: 0, initialRetryTimeInSecs: 0, factor: 0, multiplier: 1 },
        middlewares: [timeoutMiddleware as never],
      },
      {
        [SchemaType.AVRO]: createAvroDecoderOptions() as never,
        [SchemaType.JSON]: { ajvInstance: ACCEPT_EVERY_JSON_PAYLOAD as never },
      },
    );
  }

  /** Returns whether a record value is in the wire format. A UTF-8 JSON text never starts with byte 0. */
  static isWireFormat(value: Uint8Array | null): boolean {
    return value !== null && value.byteLength >= WIRE_HEADER_BYTES && value[0] === 0;
  }

  /**
   * Decodes one wire format record value. Returns the decoded object or a rejection with a
   * stable reason. Throws SchemaRegistryUnavailableError when the registry cannot be reached
   * or fails to respond with the schema, and TypeError when `value` is not in the wire format.
   */
  async decode(value: Uint8Array): Promise<RegistryDecodeResult> {
    if (!RegistryDecoder.isWireFormat(value)) {
      throw new TypeError('RegistryDecoder.decode needs a value of at least 5 bytes starting with byte 0');
    }
    if (value.byteLength > this.maxRecordBytes) {
      return reject(
        'record_too_large',
        `record value is ${value.byteLength} bytes, above the maximum of ${this.maxRecordBytes} bytes`,
      );
    }

    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const schemaId = view.getInt32(1, false);
    const lookup = await this.lookUpSchema(schemaId);
    if (lookup.kind === 'rejected') {
      return lookup;
    }

    const payload = value.subarray(WIRE_HEADER_BYTES);
    switch (lookup.type) {
      case SchemaType.AVRO:
        return decodeAvro(payload, lookup.schema as AvroType, schemaId);
      case SchemaType.PROTOBUF:
        return this.decodeProtobuf(payload, lookup.schema as ProtoSchemaLike, schemaId);
      case SchemaType.JSON:
        return this.decodeJson(payload);
      default:
        return reject('unsupported_schema', `schema ${schemaId} has the unsupported type ${String(lookup.type)}`);
    }
  }

  private async lookUpSchema(schemaId: number): Promise<SchemaLookup> {
    let schema: unknown;
    try {
      schema = await this.registry.getSchema(schemaId);
    } catch (error) {
      const failure = classifyLookupFailure(error, schemaId, this.schemaPathPrefix);
      if (failure.kind === 'unavailable') {
        throw failure.error;
      }
      return reject(failure.kind, failure.message);
    }
    const type = this.registry.cache.getSchema(schemaId)?.type ?? SchemaType.UNKNOWN;
    return { kind: 'schema', type, schema };
  }

  /** Decodes a JSON Schema payload with the same checks as a plain JSON record. */
  private decodeJson(payload: Uint8Array): RegistryDecodeResult {
    const decoded = decodeJsonValue(payload, { maxRecordBytes: this.maxRecordBytes });
    // decodeJsonValue returns a tombstone only for a null value, and a payload is never null.
    return decoded.kind === 'tombstone' ? reject('invalid_json', 'record payload is empty') : decoded;
  }

  private decodeProtobuf(payload: Uint8Array, schema: ProtoSchemaLike, schemaId: number): RegistryDecodeResult {
    const firstType = schema.message;
    if (!this.resolvedProtobufSchemas.has(schema)) {
      try {
        firstType.root.resolveAll();
      } catch (error) {
        return reject('unsupported_schema', `schema ${schemaId} cannot be used: ${errorMessage(error)}`);
      }
      this.resolvedProtobufSchemas.add(schema);
    }

    const located = locateMessage(payload, firstType);
    if (typeof located === 'string') {
      return reject('schema_payload_invalid', `Protobuf payload of schema ${schemaId} is invalid: ${located}`);
    }
    let message: Message;
    try {
      message = located.type.decode(payload.subarray(located.messageStart));
    } catch (error) {
      return reject('schema_payload_invalid', `Protobuf payload of schema ${schemaId} does not decode: ${errorMessage(error)}`);
    }
    return { kind: 'value', value: normaliseProtobufMessage(message, located.type) };
  }
}

function decodeAvro(payload: Uint8Array, type: AvroType, schemaId: number): RegistryDecodeResult {
  const problem = findAvroStructureProblem(type, payload);
  if (problem !== undefined) {
    return reject('schema_payload_invalid', `Avro payload of schema ${schemaId} does not decode: ${problem}`);
  }

  let decoded: unknown;
  try {
    decoded = type.fromBuffer(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  } catch (error) {
    return reject('schema_payload_invalid', `Avro payload of schema ${schemaId} does not decode: ${errorMessage(error)}`);
  }

  const value = normaliseAvroValue(decoded, type);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', `Avro schema ${schemaId} is a ${type.typeName}, expected a record`);
  }
  return { kind: 'value', value: value as Record<string, unknown> };
}

function parseRegistryUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`Schema Registry URL ${JSON.stringify(text)} is not a valid URL. Example: http://schema-registry:8081`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Schema Registry URL must use http or https, received ${url.protocol}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError('Schema Registry URL must not have a query string or fragment');
  }
  return url;
}

function reject(reason: RegistryDecodeReason, message: string): RegistryDecodeRejection {
  return { kind: 'rejected', stage: 'decode', reason, message };
}

/**
 * Returns an error's message, shortened. The decode errors of avsc and protobufjs name offsets,
 * indexes and field names but no field values.
 */
function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
