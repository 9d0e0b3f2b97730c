/**
 * Parses the Avro and Protobuf descriptions of the consent event and checks that they name the
 * same fields as the JSON Schema. Value-level cross-checks belong with the Schema Registry
 * decoders. avsc and protobufjs come with the Schema Registry client, so each test skips with a
 * message when its library cannot be loaded.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const schemasDirectory = new URL('../../schemas/', import.meta.url);

function readSchemaFile(name: string): string {
  return readFileSync(new URL(name, schemasDirectory), 'utf8');
}

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  $defs?: Record<string, JsonSchemaNode>;
}

const jsonSchema = JSON.parse(readSchemaFile('consent-event-v1.schema.json')) as JsonSchemaNode;

function propertyNames(node: JsonSchemaNode | undefined): string[] {
  return Object.keys(node?.properties ?? {}).sort();
}

/** Fields of all identifier types together, as in the flat Avro record and Protobuf message. */
function identifierFieldNames(): string[] {
  const names = new Set<string>(['type']);
  for (const [name, definition] of Object.entries(jsonSchema.$defs ?? {})) {
    if (name.endsWith('_identifier')) {
      for (const field of propertyNames(definition)) {
        names.add(field);
      }
    }
  }
  return [...names].sort();
}

async function importOptional(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

interface AvroField {
  name: string;
  type: unknown;
}
interface AvroRecord {
  name: string;
  fields: AvroField[];
}

/** Finds a named record anywhere in an Avro schema. */
function findAvroRecord(node: unknown, name: string): AvroRecord | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findAvroRecord(item, name);
      if (found !== undefined) {
        return found;
      }
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) {
    return undefined;
  }
  const record = node as Partial<AvroRecord> & { type?: unknown; items?: unknown };
  if (record.name === name && Array.isArray(record.fields)) {
    return record as AvroRecord;
  }
  for (const child of [record.type, record.items, record.fields]) {
    const found = findAvroRecord(child, name);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function avroFieldNames(schema: unknown, recordName: string): string[] {
  return (findAvroRecord(schema, recordName)?.fields ?? []).map((field) => field.name).sort();
}

describe('Avro schema', () => {
  const schema: unknown = JSON.parse(readSchemaFile('consent-event-v1.avsc'));

  it('parses with avsc', async (t) => {
    const avsc = await importOptional('avsc');
    if (avsc === undefined) {
      t.skip('avsc is not installed');
      return;
    }
    const Type = (avsc['default'] as { Type: { forSchema(schema: unknown): unknown } }).Type;
    assert.doesNotThrow(() => Type.forSchema(schema));
  });

  it('names the JSON Schema fields', () => {
    assert.deepEqual(avroFieldNames(schema, 'ConsentEvent'), propertyNames(jsonSchema));
    assert.deepEqual(avroFieldNames(schema, 'Scope'), propertyNames(jsonSchema.properties?.['scope']));
    assert.deepEqual(avroFieldNames(schema, 'Purpose'), propertyNames(jsonSchema.$defs?.['purpose']));
    assert.deepEqual(avroFieldNames(schema, 'Jurisdiction'), propertyNames(jsonSchema.properties?.['jurisdiction']));
    assert.deepEqual(avroFieldNames(schema, 'Identifier'), identifierFieldNames());
  });
});

interface ProtobufType {
  fields: Record<string, { options?: Record<string, unknown> }>;
}
interface ProtobufRoot {
  lookupType(name: string): ProtobufType;
}
type ProtobufParse = (source: string, options: { keepCase: boolean }) => { root: ProtobufRoot };

async function loadProtobufRoot(): Promise<ProtobufRoot | undefined> {
  const protobuf = await importOptional('protobufjs');
  if (protobuf === undefined) {
    return undefined;
  }
  const parse = (protobuf['default'] as { parse: ProtobufParse }).parse;
  return parse(readSchemaFile('consent-event-v1.proto'), { keepCase: true }).root;
}

function protobufType(root: ProtobufRoot, name: string): ProtobufType {
  return root.lookupType(`mediarithmics_deletion_connector.consent.v1.${name}`);
}

describe('Protobuf schema', () => {
  it('parses with protobufjs and names the JSON Schema fields', async (t) => {
    const root = await loadProtobufRoot();
    if (root === undefined) {
      t.skip('protobufjs is not installed');
      return;
    }
    const fieldNames = (name: string): string[] => Object.keys(protobufType(root, name).fields).sort();

    assert.deepEqual(fieldNames('ConsentEvent'), propertyNames(jsonSchema));
    assert.deepEqual(fieldNames('Scope'), propertyNames(jsonSchema.properties?.['scope']));
    assert.deepEqual(fieldNames('Purpose'), propertyNames(jsonSchema.$defs?.['purpose']));
    assert.deepEqual(fieldNames('Jurisdiction'), propertyNames(jsonSchema.properties?.['jurisdiction']));
    assert.deepEqual(fieldNames('Identifier'), identifierFieldNames());
  });

  it('keeps snake_case JSON names', async (t) => {
    const root = await loadProtobufRoot();
    if (root === undefined) {
      t.skip('protobufjs is not installed');
      return;
    }
    for (const name of ['ConsentEvent', 'Identifier']) {
      for (const [fieldName, field] of Object.entries(protobufType(root, name).fields)) {
        if (fieldName.includes('_')) {
          assert.equal(field.options?.['json_name'], fieldName, `${name}.${fieldName}`);
        }
      }
    }
  });
});
