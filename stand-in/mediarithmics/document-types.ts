/**
 * Document types that the mediarithmics documentation names for document imports.
 * The device-point deletion type appears with both spellings because the mediarithmics
 * page uses the plural in its prose and the singular in its curl example.
 */
// NOTE: which device-point deletion spelling the real API accepts is not documented,
// so the stand-in accepts both and treats them the same way.
export const DOCUMENT_TYPES = [
  'USER_ACTIVITY',
  'USER_SEGMENT',
  'USER_PROFILE',
  'USER_CHOICE',
  'USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS',
  'USER_IDENTIFIERS_DISSOCIATION_DECLARATIONS',
  'USER_IDENTIFIERS_DELETION',
  'USER_POINTS_DELETION',
  'USER_DEVICE_POINTS_DELETION',
  'USER_DEVICE_POINT_DELETION',
] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const MIME_TYPES = ['APPLICATION_X_NDJSON', 'TEXT_CSV'] as const;

export type MimeType = (typeof MIME_TYPES)[number];

export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;

export type Priority = (typeof PRIORITIES)[number];

/** Document types whose imports the documentation restricts to ndjson files. */
const NDJSON_ONLY_TYPES: ReadonlySet<DocumentType> = new Set<DocumentType>([
  'USER_CHOICE',
  'USER_IDENTIFIERS_DELETION',
  'USER_POINTS_DELETION',
  'USER_DEVICE_POINTS_DELETION',
  'USER_DEVICE_POINT_DELETION',
]);

export function isDocumentType(value: unknown): value is DocumentType {
  return typeof value === 'string' && (DOCUMENT_TYPES as readonly string[]).includes(value);
}

export function isMimeType(value: unknown): value is MimeType {
  return typeof value === 'string' && (MIME_TYPES as readonly string[]).includes(value);
}

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

export function requiresNdjson(documentType: DocumentType): boolean {
  return NDJSON_ONLY_TYPES.has(documentType);
}

/** Returns the HTTP Content-Type that an execution upload must use for an import's mime_type. */
export function contentTypeForMimeType(mimeType: MimeType): string {
  return mimeType === 'APPLICATION_X_NDJSON' ? 'application/x-ndjson' : 'text/csv';
}
