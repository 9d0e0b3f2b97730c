import {
  checkDatamart,
  findImport,
  isApiResponse,
  param,
  parseJsonBody,
  parsePage,
  reply,
} from './api-context.ts';
import type { HandlerResult, RouteContext } from './api-context.ts';
import {
  DOCUMENT_TYPES,
  MIME_TYPES,
  PRIORITIES,
  isDocumentType,
  isMimeType,
  isPriority,
  requiresNdjson,
} from './document-types.ts';
import { errorResponse, listResponse, okResponse } from './envelope.ts';
import type { ImportFields } from './store.ts';

/** Fields of a document import that create and update requests may set. */
const IMPORT_FIELD_NAMES = ['document_type', 'mime_type', 'encoding', 'name', 'priority'] as const;

/**
 * Validates the fields of a create or update request and returns them, or returns the list
 * of problems. An update sends only the fields it changes, so it passes the current fields
 * as `base`. Other fields are ignored.
 */
function validateImportFields(input: unknown, base: Partial<ImportFields>): ImportFields | string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return ['request body must be a JSON object'];
  }
  const merged: Record<string, unknown> = { ...base };
  for (const name of IMPORT_FIELD_NAMES) {
    const value = (input as Record<string, unknown>)[name];
    if (value !== undefined) {
      merged[name] = value;
    }
  }

  const problems: string[] = [];
  const { document_type: documentType, mime_type: mimeType, encoding, name, priority } = merged;
  if (!isDocumentType(documentType)) {
    problems.push(describeInvalid('document_type', documentType, `one of ${DOCUMENT_TYPES.join(', ')}`));
  }
  if (!isMimeType(mimeType)) {
    problems.push(describeInvalid('mime_type', mimeType, `one of ${MIME_TYPES.join(', ')}`));
  }
  if (isDocumentType(documentType) && isMimeType(mimeType) && requiresNdjson(documentType) && mimeType !== 'APPLICATION_X_NDJSON') {
    problems.push(`document_type ${documentType} requires mime_type APPLICATION_X_NDJSON, received ${mimeType}`);
  }
  // The documentation shows only utf-8, so the stand-in rejects other encodings, although
  // the real API may accept them.
  if (typeof encoding !== 'string' || encoding.toLowerCase() !== 'utf-8') {
    problems.push(describeInvalid('encoding', encoding, '"utf-8"'));
  }
  if (typeof name !== 'string' || name.trim() === '') {
    problems.push(describeInvalid('name', name, 'a non-empty string'));
  }
  if (priority !== undefined && priority !== null && !isPriority(priority)) {
    problems.push(describeInvalid('priority', priority, `one of ${PRIORITIES.join(', ')}`));
  }

  if (problems.length > 0 || !isDocumentType(documentType) || !isMimeType(mimeType)) {
    return problems;
  }
  return {
    document_type: documentType,
    mime_type: mimeType,
    encoding: encoding as string,
    name: name as string,
    priority: isPriority(priority) ? priority : null,
  };
}

function describeInvalid(field: string, value: unknown, expected: string): string {
  if (value === undefined) {
    return `${field} is missing`;
  }
  return `${field} must be ${expected}, received ${JSON.stringify(value)}`;
}

function invalidImport(problems: string[]): HandlerResult {
  return reply(errorResponse(400, `Invalid document import: ${problems.join(', ')}`, { problems }));
}

export function listImports(context: RouteContext): HandlerResult {
  const missingDatamart = checkDatamart(context);
  if (missingDatamart !== undefined) {
    return reply(missingDatamart);
  }
  const page = parsePage(context.query);
  if ('status' in page) {
    return reply(page);
  }
  // label_ids, which the Navigator client also sends, is ignored because the stand-in has no labels.
  const keywords = context.query.get('keywords') ?? undefined;
  const imports = context.state.store.listImports(param(context, 'datamartId'), keywords === '' ? undefined : keywords);
  return reply(listResponse(imports, page));
}

export function createImport(context: RouteContext): HandlerResult {
  const missingDatamart = checkDatamart(context);
  if (missingDatamart !== undefined) {
    return reply(missingDatamart);
  }
  const parsed = parseJsonBody(context);
  if ('status' in parsed) {
    return reply(parsed);
  }
  const fields = validateImportFields(parsed.value, {});
  if (Array.isArray(fields)) {
    return invalidImport(fields);
  }
  const documentImport = context.state.store.createImport(param(context, 'datamartId'), fields, context.now);
  return reply(okResponse(documentImport));
}

export function getImport(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  return reply(isApiResponse(documentImport) ? documentImport : okResponse(documentImport));
}

export function updateImport(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  if (isApiResponse(documentImport)) {
    return reply(documentImport);
  }
  const parsed = parseJsonBody(context);
  if ('status' in parsed) {
    return reply(parsed);
  }
  const fields = validateImportFields(parsed.value, documentImport);
  if (Array.isArray(fields)) {
    return invalidImport(fields);
  }
  return reply(okResponse(context.state.store.updateImport(documentImport.id, fields)));
}

export function deleteImport(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  if (isApiResponse(documentImport)) {
    return reply(documentImport);
  }
  context.state.store.deleteImport(documentImport.id);
  return reply(okResponse(documentImport));
}
