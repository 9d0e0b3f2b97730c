/**
 * A producer's side of the Schema Registry, for tests: a @kafkajs/confluent-schema-registry
 * client that registers the consent event schemas of schemas/ and encodes events in the wire
 * format, as an upstream service would.
 */

import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Ajv2020 } from 'ajv/dist/2020.js';

import {
  AVRO_SCHEMA_TEXT,
  JSON_SCHEMA_TEXT,
  PROTOBUF_SCHEMA_TEXT,
  toAvroRecord,
  toProtobufObject,
} from './encoders.ts';

export interface ConsentEventSchemaIds {
  avro: number;
  json: number;
  protobuf: number;
}

export interface RegistryProducer {
  readonly client: SchemaRegistry;
  readonly ids: ConsentEventSchemaIds;
  /** Encodes an event in its JSON shape with the schema of `format`. */
  encode(format: keyof ConsentEventSchemaIds, event: Record<string, unknown>): Promise<Buffer>;
}

/**
 * Registers the three consent event schemas under `<prefix>-avro`, `<prefix>-json` and
 * `<prefix>-protobuf` and returns an encoder. The client validates JSON payloads with Ajv 8,
 * because its bundled Ajv 7 cannot compile the draft 2020-12 schema.
 */
export async function registerConsentEventSchemas(
  url: string,
  options: { prefix?: string; auth?: { username: string; password: string } } = {},
): Promise<RegistryProducer> {
  const prefix = options.prefix ?? 'consent-events';
  const ajv = new Ajv2020({ strict: false });
  ajv.addFormat('date-time', true);
  const client = new SchemaRegistry(
    {
      host: url,
      // No retry settings: the client (3.9) keeps one retry settings object for all its
      // instances, and settings given here would also change the decoder's.
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    },
    { [SchemaType.JSON]: { ajvInstance: ajv as never } },
  );
  const avro = await client.register({ type: SchemaType.AVRO, schema: AVRO_SCHEMA_TEXT }, { subject: `${prefix}-avro` });
  const json = await client.register({ type: SchemaType.JSON, schema: JSON_SCHEMA_TEXT }, { subject: `${prefix}-json` });
  const protobuf = await client.register(
    { type: SchemaType.PROTOBUF, schema: PROTOBUF_SCHEMA_TEXT },
    { subject: `${prefix}-protobuf` },
  );
  const ids = { avro: avro.id, json: json.id, protobuf: protobuf.id };

  return {
    client,
    ids,
    encode: (format, event) => {
      switch (format) {
        case 'avro':
          return client.encode(ids.avro, toAvroRecord(event));
        case 'protobuf':
          return client.encode(ids.protobuf, toProtobufObject(event));
        case 'json':
          return client.encode(ids.json, event);
      }
    },
  };
}

/** Builds a wire format value by hand: byte 0, the schema id in 4 big-endian bytes, the payload. */
export function wireFormat(schemaId: number, payload: Uint8Array | string): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload]);
}
