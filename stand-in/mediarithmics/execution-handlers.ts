import { findImport, isApiResponse, param, parseJsonBody, parsePage, reply } from './api-context.ts';
import type { HandlerResult, RouteContext } from './api-context.ts';
import { contentTypeForMimeType } from './document-types.ts';
import { errorResponse, listResponse, okResponse } from './envelope.ts';
import { charset, mediaType } from './http-io.ts';
import { parseExecutionBody } from './line-syntax.ts';
import type { LineError } from './line-syntax.ts';
import type { DocumentImport } from './store.ts';

/** Maximum line numbers listed in `invalid_lines`. `invalid_line_count` always gives the full count. */
const MAX_REPORTED_INVALID_LINES = 1000;

/** Maximum entries in `line_errors`, which carry a message for each line. */
const MAX_REPORTED_LINE_ERRORS = 100;

/** Line errors quoted in the human-readable `error` message. */
const MAX_QUOTED_LINE_ERRORS = 5;

function checkUploadContentType(context: RouteContext, documentImport: DocumentImport): HandlerResult | undefined {
  const expected = contentTypeForMimeType(documentImport.mime_type);
  const header = context.headers['content-type'];
  const received = mediaType(header);
  if (received !== expected) {
    const message =
      `Content-Type must be ${expected} to match mime_type ${documentImport.mime_type} of document import ` +
      `${documentImport.id}, received ${header ?? 'none'}`;
    return reply(errorResponse(415, message));
  }
  const receivedCharset = charset(header);
  if (receivedCharset !== undefined && receivedCharset !== 'utf-8') {
    return reply(errorResponse(415, `Content-Type charset must be utf-8, received ${receivedCharset}`));
  }
  return undefined;
}

function rejectLines(errors: readonly LineError[], documentImport: DocumentImport): HandlerResult {
  const quoted = errors
    .slice(0, MAX_QUOTED_LINE_ERRORS)
    .map((error) => `line ${error.line}: ${error.message}`)
    .join('; ');
  const more = errors.length > MAX_QUOTED_LINE_ERRORS ? `; and ${errors.length - MAX_QUOTED_LINE_ERRORS} more` : '';
  const message = `${errors.length} invalid ${errors.length === 1 ? 'line' : 'lines'} for document type ${documentImport.document_type}: ${quoted}${more}`;
  return reply(
    errorResponse(400, message, {
      invalid_lines: errors.slice(0, MAX_REPORTED_INVALID_LINES).map((error) => error.line),
      invalid_line_count: errors.length,
      line_errors: errors.slice(0, MAX_REPORTED_LINE_ERRORS),
    }),
  );
}

// NOTE: how the real API treats invalid lines is not documented. It may accept the file and
// count them in result.total_failure. The stand-in rejects the whole upload with 400 and
// lists the lines, so that clients can test how they isolate bad lines.
export function createExecution(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  if (isApiResponse(documentImport)) {
    return reply(documentImport);
  }
  const contentTypeProblem = checkUploadContentType(context, documentImport);
  if (contentTypeProblem !== undefined) {
    return contentTypeProblem;
  }
  if (context.body.length === 0) {
    return reply(errorResponse(400, 'Request body is empty, but an execution needs at least one line'));
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(context.body);
  } catch {
    return reply(errorResponse(400, 'Request body is not valid UTF-8'));
  }

  const parsed = parseExecutionBody(text, documentImport.document_type, documentImport.mime_type);
  if (parsed.errors.length > 0) {
    return rejectLines(parsed.errors, documentImport);
  }
  if (parsed.lines.length === 0) {
    return reply(errorResponse(400, 'Request body contains only blank lines, but an execution needs at least one line'));
  }

  const contentType = context.headers['content-type'] ?? '';
  const execution = context.state.store.createExecution(
    { documentImport, body: text, contentType, lines: parsed.lines, outcome: context.outcome },
    context.now,
  );
  return {
    response: okResponse(execution),
    accepted: {
      datamartId: documentImport.datamart_id,
      importId: documentImport.id,
      executionId: execution.id,
      documentType: documentImport.document_type,
      contentType,
      body: text,
      lines: parsed.lines.map((line) => line.value),
    },
  };
}

export function listExecutions(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  if (isApiResponse(documentImport)) {
    return reply(documentImport);
  }
  const page = parsePage(context.query);
  if ('status' in page) {
    return reply(page);
  }
  return reply(listResponse(context.state.store.listExecutions(documentImport.id, context.now), page));
}

/** Handles `{"action": "CANCEL"}`, the only execution action that the Navigator client sends. */
export function runExecutionAction(context: RouteContext): HandlerResult {
  const documentImport = findImport(context);
  if (isApiResponse(documentImport)) {
    return reply(documentImport);
  }
  const parsed = parseJsonBody(context);
  if ('status' in parsed) {
    return reply(parsed);
  }
  const action = (parsed.value as { action?: unknown } | null)?.action;
  if (action !== 'CANCEL') {
    return reply(errorResponse(400, `action must be "CANCEL", received ${JSON.stringify(action) ?? 'none'}`));
  }

  const executionId = param(context, 'executionId');
  const result = context.state.store.cancelExecution(documentImport.id, executionId, context.now);
  if (result === undefined) {
    return reply(errorResponse(404, `Execution ${executionId} not found in document import ${documentImport.id}`));
  }
  if (!result.canceled) {
    return reply(errorResponse(400, `Execution ${executionId} has already finished with status ${result.view.status}`));
  }
  return reply(okResponse(result.view));
}

/** Returns an uploaded file or an error file by the URI that an execution result gives. */
export function getDataFile(context: RouteContext): HandlerResult {
  const uri = context.query.get('uri');
  if (uri === null || uri === '') {
    return reply(errorResponse(400, 'Query parameter uri is missing'));
  }
  const file = context.state.store.dataFile(uri);
  if (file === undefined) {
    return reply(errorResponse(404, `Data file ${uri} not found`));
  }
  return reply({ status: 200, body: file.content, headers: { 'content-type': file.contentType } });
}
