/**
 * API routes of the Schema Registry stand-in: the subset of Confluent's REST API that Schema
 * Registry clients such as @kafkajs/confluent-schema-registry call, with Confluent's response
 * bodies and error codes.
 */

import {
  COMPATIBILITY_LEVELS,
  RegistryError,
  SCHEMA_TYPES,
  invalidSchema,
  type CompatibilityLevel,
  type RegistryStore,
  type SchemaInput,
  type SchemaReference,
  type StoredSchema,
  type SubjectVersion,
} from './store.ts';

export interface RouteResponse {
  status: number;
  body: unknown;
}

type Handler = (store: RegistryStore, params: Readonly<Record<string, string>>, body: Buffer) => RouteResponse;

interface Route {
  /** Path segments after the leading slash. A segment starting with `:` captures a parameter. */
  segments: readonly string[];
  handlers: Readonly<Partial<Record<string, Handler>>>;
}

export type RouteResolution =
  | { kind: 'found'; handler: Handler; params: Record<string, string> }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; allowed: string[] };

const ROUTES: readonly Route[] = [
  { segments: [], handlers: { GET: () => ok({}) } },
  { segments: ['schemas', 'types'], handlers: { GET: () => ok([...SCHEMA_TYPES]) } },
  { segments: ['schemas', 'ids', ':id'], handlers: { GET: getSchemaById } },
  { segments: ['schemas', 'ids', ':id', 'versions'], handlers: { GET: getSchemaUses } },
  { segments: ['subjects'], handlers: { GET: (store) => ok(store.subjectNames()) } },
  { segments: ['subjects', ':subject'], handlers: { POST: lookUpSchema } },
  { segments: ['subjects', ':subject', 'versions'], handlers: { GET: listVersions, POST: registerSchema } },
  { segments: ['subjects', ':subject', 'versions', ':version'], handlers: { GET: getVersion } },
  { segments: ['config'], handlers: { GET: getGlobalConfig, PUT: putGlobalConfig } },
  { segments: ['config', ':subject'], handlers: { GET: getSubjectConfig, PUT: putSubjectConfig } },
  // NOTE: the stand-in stores compatibility levels but never checks compatibility: every
  // schema registers, and this route always reports compatible.
  { segments: ['compatibility', 'subjects', ':subject', 'versions', ':version'], handlers: { POST: checkCompatibility } },
];

/** Finds the handler of a request. `segments` are the decoded path segments. */
export function resolveRoute(method: string, segments: readonly string[]): RouteResolution {
  const allowed = new Set<string>();
  for (const route of ROUTES) {
    const params = matchSegments(route.segments, segments);
    if (params === undefined) {
      continue;
    }
    const handler = route.handlers[method];
    if (handler !== undefined) {
      return { kind: 'found', handler, params };
    }
    for (const name of Object.keys(route.handlers)) {
      allowed.add(name);
    }
  }
  return allowed.size === 0 ? { kind: 'not_found' } : { kind: 'method_not_allowed', allowed: [...allowed] };
}

/** Runs a handler and turns a RegistryError into Confluent's error body. */
export function runHandler(handler: Handler, store: RegistryStore, params: Record<string, string>, body: Buffer): RouteResponse {
  try {
    return handler(store, params, body);
  } catch (error) {
    if (error instanceof RegistryError) {
      return errorBody(error.status, error.errorCode, error.message);
    }
    throw error;
  }
}

export function errorBody(status: number, errorCode: number, message: string): RouteResponse {
  return { status, body: { error_code: errorCode, message } };
}

function ok(body: unknown): RouteResponse {
  return { status: 200, body };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = segments[index] ?? '';
    if (expected.startsWith(':')) {
      params[expected.slice(1)] = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function param(params: Readonly<Record<string, string>>, name: string): string {
  return params[name] ?? '';
}

/** Parses a schema id path parameter. Confluent's registry returns 404 for an id that is not an integer. */
function schemaIdParam(params: Readonly<Record<string, string>>): number {
  const text = param(params, 'id');
  const id = /^-?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    throw new RegistryError(404, 404, 'HTTP 404 Not Found');
  }
  return id;
}

/** Describes a schema as Confluent does: schemaType is left out for Avro, references when empty. */
function describeSchema(stored: StoredSchema): Record<string, unknown> {
  const description: Record<string, unknown> = {};
  if (stored.schemaType !== 'AVRO') {
    description['schemaType'] = stored.schemaType;
  }
  description['schema'] = stored.schema;
  if (stored.references.length > 0) {
    description['references'] = stored.references;
  }
  return description;
}

function describeVersion(store: RegistryStore, entry: SubjectVersion): Record<string, unknown> {
  return { subject: entry.subject, version: entry.version, id: entry.id, ...describeSchema(store.schemaById(entry.id)) };
}

function getSchemaById(store: RegistryStore, params: Readonly<Record<string, string>>): RouteResponse {
  return ok(describeSchema(store.schemaById(schemaIdParam(params))));
}

function getSchemaUses(store: RegistryStore, params: Readonly<Record<string, string>>): RouteResponse {
  return ok(store.usesOf(schemaIdParam(params)).map((entry) => ({ subject: entry.subject, version: entry.version })));
}

function listVersions(store: RegistryStore, params: Readonly<Record<string, string>>): RouteResponse {
  return ok(store.versionNumbers(param(params, 'subject')));
}

function getVersion(store: RegistryStore, params: Readonly<Record<string, string>>): RouteResponse {
  return ok(describeVersion(store, store.version(param(params, 'subject'), param(params, 'version'))));
}

function registerSchema(store: RegistryStore, params: Readonly<Record<string, string>>, body: Buffer): RouteResponse {
  return ok({ id: store.register(param(params, 'subject'), parseSchemaInput(body)) });
}

function lookUpSchema(store: RegistryStore, params: Readonly<Record<string, string>>, body: Buffer): RouteResponse {
  return ok(describeVersion(store, store.lookup(param(params, 'subject'), parseSchemaInput(body))));
}

function getGlobalConfig(store: RegistryStore): RouteResponse {
  return ok({ compatibilityLevel: store.globalConfig() });
}

function putGlobalConfig(store: RegistryStore, _params: Readonly<Record<string, string>>, body: Buffer): RouteResponse {
  const level = parseCompatibility(body);
  store.setGlobalConfig(level);
  return ok({ compatibility: level });
}

function getSubjectConfig(store: RegistryStore, params: Readonly<Record<string, string>>): RouteResponse {
  return ok({ compatibilityLevel: store.subjectConfig(param(params, 'subject')) });
}

function putSubjectConfig(store: RegistryStore, params: Readonly<Record<string, string>>, body: Buffer): RouteResponse {
  const level = parseCompatibility(body);
  store.setSubjectConfig(param(params, 'subject'), level);
  return ok({ compatibility: level });
}

function checkCompatibility(store: RegistryStore, params: Readonly<Record<string, string>>, body: Buffer): RouteResponse {
  parseSchemaInput(body);
  store.version(param(params, 'subject'), param(params, 'version'));
  return ok({ is_compatible: true });
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(400, 400, 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryError(400, 400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Parses the body of a registration or lookup: `{schema, schemaType?, references?}`. */
function parseSchemaInput(body: Buffer): SchemaInput {
  const object = parseJsonObject(body);
  const schema = object['schema'];
  if (typeof schema !== 'string') {
    throw invalidSchema('the schema field must be a string');
  }

  const schemaType = object['schemaType'] ?? 'AVRO';
  if (typeof schemaType !== 'string' || !(SCHEMA_TYPES as readonly string[]).includes(schemaType)) {
    throw new RegistryError(422, 42201, `Invalid schema type ${JSON.stringify(schemaType)}, expected one of ${SCHEMA_TYPES.join(', ')}`);
  }

  const rawReferences = object['references'] ?? [];
  if (!Array.isArray(rawReferences)) {
    throw invalidSchema('references must be an array');
  }
  const references = rawReferences.map((reference: unknown, index) => parseReference(reference, index));
  return { schema, schemaType: schemaType as SchemaInput['schemaType'], references };
}

function parseReference(reference: unknown, index: number): SchemaReference {
  const candidate = (typeof reference === 'object' && reference !== null ? reference : {}) as Record<string, unknown>;
  const { name, subject, version } = candidate;
  if (typeof name !== 'string' || typeof subject !== 'string' || !Number.isSafeInteger(version) || (version as number) < 1) {
    throw invalidSchema(`references[${index}] must have a string name, a string subject and a positive integer version`);
  }
  return { name, subject, version: version as number };
}

function parseCompatibility(body: Buffer): CompatibilityLevel {
  const level = parseJsonObject(body)['compatibility'];
  const upper = typeof level === 'string' ? level.toUpperCase() : '';
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(upper)) {
    throw new RegistryError(
      422,
      42203,
      `Invalid compatibility level. Valid values are ${COMPATIBILITY_LEVELS.map((name) => name.toLowerCase()).join(', ')}`,
    );
  }
  return upper as CompatibilityLevel;
}
