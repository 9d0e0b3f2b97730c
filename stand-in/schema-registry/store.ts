/**
 * In-memory state of the Schema Registry stand-in: schemas by id, subjects with their
 * versions, and compatibility settings. This module does no HTTP. Failures are thrown as
 * RegistryError values with the Confluent error code and message.
 */

export const SCHEMA_TYPES = ['AVRO', 'JSON', 'PROTOBUF'] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Compatibility level of a registry whose global level was never changed, as in Confluent's. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
}

/** The request body of a registration or a lookup, after JSON parsing. */
export interface SchemaInput {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}

/** A failure in the shape that Confluent's Schema Registry returns: HTTP status, error code and message. */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly status: number;
  readonly errorCode: number;

  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export function subjectNotFound(subject: string): RegistryError {
  return new RegistryError(404, 40401, `Subject '${subject}' not found.`);
}

export function schemaNotFound(id?: number): RegistryError {
  return new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`);
}

export function invalidSchema(detail: string): RegistryError {
  return new RegistryError(422, 42201, `Invalid schema: ${detail}`);
}

const MAX_VERSION = 2 ** 31 - 1;

export class RegistryStore {
  private readonly schemas = new Map<number, StoredSchema>();
  private readonly subjects = new Map<string, SubjectVersion[]>();
  private readonly subjectCompatibility = new Map<string, CompatibilityLevel>();
  private globalCompatibility: CompatibilityLevel = DEFAULT_COMPATIBILITY;
  private nextId = 1;

  /**
   * Registers a schema under a subject and returns its id. As in Confluent's registry, the
   * same schema (type, text and references) gets the same id under every subject, and
   * registering a schema that the subject already has returns its id without a new version.
   */
  register(subject: string, input: SchemaInput): number {
    validateSchemaText(input);
    for (const reference of input.references) {
      if (this.findVersion(reference.subject, reference.version) === undefined) {
        throw invalidSchema(
          `reference '${reference.name}' names version ${reference.version} of subject '${reference.subject}', which does not exist`,
        );
      }
    }

    const versions = this.subjects.get(subject) ?? [];
    const existing = this.findSameSchema(input);
    const alreadyInSubject = existing === undefined ? undefined : versions.find((entry) => entry.id === existing.id);
    if (alreadyInSubject !== undefined) {
      return alreadyInSubject.id;
    }

    let stored = existing;
    if (stored === undefined) {
      stored = { id: this.nextId, ...input };
      this.nextId += 1;
      this.schemas.set(stored.id, stored);
    }
    const lastVersion = versions.at(-1)?.version ?? 0;
    versions.push({ subject, version: lastVersion + 1, id: stored.id });
    this.subjects.set(subject, versions);
    return stored.id;
  }

  /** Returns the version of `subject` that has the same schema as `input`. */
  lookup(subject: string, input: SchemaInput): SubjectVersion {
    const versions = this.subjects.get(subject);
    if (versions === undefined) {
      throw subjectNotFound(subject);
    }
    const existing = this.findSameSchema(input);
    const entry = existing === undefined ? undefined : versions.find((version) => version.id === existing.id);
    if (entry === undefined) {
      throw schemaNotFound();
    }
    return entry;
  }

  schemaById(id: number): StoredSchema {
    const stored = this.schemas.get(id);
    if (stored === undefined) {
      throw schemaNotFound(id);
    }
    return stored;
  }

  /** Returns every subject version that uses the schema with this id. */
  usesOf(id: number): SubjectVersion[] {
    this.schemaById(id);
    return [...this.subjects.values()].flat().filter((entry) => entry.id === id);
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }

  versionNumbers(subject: string): number[] {
    const versions = this.subjects.get(subject);
    if (versions === undefined) {
      throw subjectNotFound(subject);
    }
    return versions.map((entry) => entry.version);
  }

  /** Returns one version of a subject. `version` is a number or the string `latest`. */
  version(subject: string, version: string): SubjectVersion {
    const versions = this.subjects.get(subject);
    const number = parseVersion(version);
    if (versions === undefined) {
      throw subjectNotFound(subject);
    }
    const entry = number === 'latest' ? versions.at(-1) : versions.find((candidate) => candidate.version === number);
    if (entry === undefined) {
      throw new RegistryError(404, 40402, `Version ${version} not found.`);
    }
    return entry;
  }

  globalConfig(): CompatibilityLevel {
    return this.globalCompatibility;
  }

  setGlobalConfig(level: CompatibilityLevel): void {
    this.globalCompatibility = level;
  }

  /** Returns the subject-level compatibility, or throws 40408 when none is set. */
  subjectConfig(subject: string): CompatibilityLevel {
    const level = this.subjectCompatibility.get(subject);
    if (level === undefined) {
      throw new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    }
    return level;
  }

  setSubjectConfig(subject: string, level: CompatibilityLevel): void {
    this.subjectCompatibility.set(subject, level);
  }

  private findVersion(subject: string, version: number): SubjectVersion | undefined {
    return this.subjects.get(subject)?.find((entry) => entry.version === version);
  }

  private findSameSchema(input: SchemaInput): StoredSchema | undefined {
    const key = schemaKey(input);
    for (const stored of this.schemas.values()) {
      if (schemaKey(stored) === key) {
        return stored;
      }
    }
    return undefined;
  }
}

/**
 * Checks what the stand-in can check without a schema parser: Avro and JSON schemas must be
 * JSON, and a Protobuf schema must not be blank.
 */
function validateSchemaText(input: SchemaInput): void {
  if (input.schema.trim() === '') {
    throw invalidSchema('the schema is empty');
  }
  if (input.schemaType === 'PROTOBUF') {
    return;
  }
  try {
    JSON.parse(input.schema);
  } catch {
    throw invalidSchema(`a ${input.schemaType} schema must be JSON`);
  }
}

/**
 * Identity of a schema for id reuse. Avro and JSON schemas are compared after a JSON round trip,
 * so whitespace does not matter. Confluent's registry also normalises Avro further (for example
 * attribute order), which this stand-in does not.
 */
function schemaKey(input: SchemaInput): string {
  const text = input.schemaType === 'PROTOBUF' ? input.schema : JSON.stringify(JSON.parse(input.schema));
  return JSON.stringify([input.schemaType, text, input.references]);
}

function parseVersion(version: string): number | 'latest' {
  if (version === 'latest' || version === '-1') {
    return 'latest';
  }
  const number = /^[0-9]+$/.test(version) ? Number(version) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > MAX_VERSION) {
    throw new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    );
  }
  return number;
}
