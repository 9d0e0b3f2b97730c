import type { DocumentType, MimeType, Priority } from './document-types.ts';
import type { BodyLine } from './line-syntax.ts';
import type { ExecutionOutcome, FinalStatus } from './script.ts';

/** A document import as the API returns it. */
export interface DocumentImport {
  id: string;
  datafarm_key: string;
  datamart_id: string;
  document_type: DocumentType;
  mime_type: MimeType;
  encoding: string;
  name: string;
  /** Null when the request gave none, because the API's default priority is not documented. */
  priority: Priority | null;
}

export type ImportFields = Pick<DocumentImport, 'document_type' | 'mime_type' | 'encoding' | 'name' | 'priority'>;

/**
 * Time-based execution progress, in milliseconds after creation: an execution is PENDING
 * for `pendingMs`, then RUNNING for `runningMs`, then finished.
 */
export interface ExecutionTimings {
  pendingMs: number;
  runningMs: number;
}

/** An execution as the API returns it, with the fields of the mediarithmics client models. */
export interface ExecutionView {
  id: string;
  status: string;
  creation_date: number;
  start_date: number | null;
  duration: number | null;
  organisation_id: string;
  user_id: string;
  num_tasks: number;
  completed_tasks: number;
  erroneous_tasks: number;
  external_model_name: string;
  parameters: {
    datamart_id: string;
    document_import_id: string;
    document_type: DocumentType;
    file_uri: string;
    total_failure: number;
    total_success: number;
  };
  result: {
    error_file_uri: string | null;
    input_file_uri: string;
    input_file_name: string;
    total_failure: number;
    total_success: number;
  };
  error?: { message: string };
}

/** A file that `GET /v1/data_file/data` returns. */
export interface DataFile {
  contentType: string;
  content: string;
}

export interface NewExecution {
  documentImport: DocumentImport;
  body: string;
  contentType: string;
  lines: readonly BodyLine[];
  outcome: ExecutionOutcome | undefined;
}

type Stage = 'PENDING' | 'RUNNING' | 'FINISHED';

interface StoredExecution {
  id: string;
  documentImport: DocumentImport;
  creationDate: number;
  body: string;
  contentType: string;
  lines: readonly BodyLine[];
  finalStatus: FinalStatus;
  failedLines: BodyLine[];
  errorMessage: string | undefined;
  stage: Stage;
  startDate: number | null;
  endDate: number | null;
}

const FAILING_STATUSES: ReadonlySet<FinalStatus> = new Set<FinalStatus>(['FAILED', 'CANCELED', 'LOST', 'EXECUTOR_NOT_RESPONDING']);

// The stand-in has no users or organisations, so every execution reports these ids.
const ORGANISATION_ID = '1';
const USER_ID = '1';

/**
 * In-memory document imports and executions. Ids keep increasing across `reset()`, so
 * that an id cached by a client before a reset is not found rather than reused.
 */
export class Store {
  private readonly timings: ExecutionTimings | undefined;
  private importsById = new Map<string, DocumentImport>();
  private executionsByImport = new Map<string, StoredExecution[]>();
  private dataFiles = new Map<string, DataFile>();
  private nextImportId = 1001;
  private nextExecutionId = 100001;

  constructor(timings: ExecutionTimings | undefined) {
    this.timings = timings;
  }

  reset(): void {
    this.importsById.clear();
    this.executionsByImport.clear();
    this.dataFiles.clear();
  }

  allImports(): DocumentImport[] {
    return [...this.importsById.values()].map((documentImport) => ({ ...documentImport }));
  }

  createImport(datamartId: string, fields: ImportFields, now: number): DocumentImport {
    const id = String(this.nextImportId++);
    const documentImport: DocumentImport = {
      id,
      datafarm_key: datafarmKey(now),
      datamart_id: datamartId,
      ...fields,
    };
    this.importsById.set(id, documentImport);
    this.executionsByImport.set(id, []);
    return { ...documentImport };
  }

  /** Returns the imports of a datamart in creation order, keeping those whose name contains `keywords`. */
  listImports(datamartId: string, keywords: string | undefined): DocumentImport[] {
    const needle = keywords?.toLowerCase();
    return this.allImports().filter(
      (documentImport) =>
        documentImport.datamart_id === datamartId &&
        (needle === undefined || documentImport.name.toLowerCase().includes(needle)),
    );
  }

  getImport(datamartId: string, importId: string): DocumentImport | undefined {
    const documentImport = this.importsById.get(importId);
    if (documentImport === undefined || documentImport.datamart_id !== datamartId) {
      return undefined;
    }
    return { ...documentImport };
  }

  updateImport(importId: string, fields: ImportFields): DocumentImport {
    const documentImport = this.requireImport(importId);
    Object.assign(documentImport, fields);
    return { ...documentImport };
  }

  deleteImport(importId: string): void {
    for (const execution of this.executionsByImport.get(importId) ?? []) {
      this.dataFiles.delete(inputFileUri(execution));
      this.dataFiles.delete(errorFileUri(execution));
    }
    this.importsById.delete(importId);
    this.executionsByImport.delete(importId);
  }

  /** Creates a PENDING execution and returns it as the create call shows it. */
  createExecution(request: NewExecution, now: number): ExecutionView {
    const outcome = request.outcome ?? {};
    const finalStatus = outcome.finalStatus ?? 'SUCCEEDED';
    const failedLines = selectFailedLines(request.lines, outcome, finalStatus);

    const execution: StoredExecution = {
      id: String(this.nextExecutionId++),
      documentImport: { ...request.documentImport },
      creationDate: now,
      body: request.body,
      contentType: request.contentType,
      lines: request.lines,
      finalStatus,
      failedLines,
      errorMessage: outcome.errorMessage ?? defaultErrorMessage(finalStatus, failedLines.length, request.lines.length),
      stage: 'PENDING',
      startDate: null,
      endDate: null,
    };
    this.requireExecutions(request.documentImport.id).push(execution);
    this.dataFiles.set(inputFileUri(execution), { contentType: request.contentType, content: request.body });
    return renderExecution(execution);
  }

  /**
   * Returns the executions of an import, newest first. Without timings, each call
   * first moves every unfinished execution of the import one step forward, so a client
   * polling the list gets PENDING, then RUNNING, then the final status.
   */
  listExecutions(importId: string, now: number): ExecutionView[] {
    const executions = this.requireExecutions(importId);
    for (const execution of executions) {
      this.progress(execution, now);
    }
    return executions.map(renderExecution).reverse();
  }

  /** Cancels an unfinished execution. Returns undefined when the execution is not found. */
  cancelExecution(importId: string, executionId: string, now: number): { view: ExecutionView; canceled: boolean } | undefined {
    const execution = this.requireExecutions(importId).find((candidate) => candidate.id === executionId);
    if (execution === undefined) {
      return undefined;
    }
    if (this.timings !== undefined) {
      this.progress(execution, now);
    }
    if (execution.stage === 'FINISHED') {
      return { view: renderExecution(execution), canceled: false };
    }
    execution.stage = 'FINISHED';
    execution.finalStatus = 'CANCELED';
    execution.failedLines = [];
    execution.errorMessage = undefined;
    execution.startDate ??= now;
    execution.endDate = now;
    return { view: renderExecution(execution), canceled: true };
  }

  dataFile(uri: string): DataFile | undefined {
    return this.dataFiles.get(uri);
  }

  private progress(execution: StoredExecution, now: number): void {
    if (execution.stage === 'FINISHED') {
      return;
    }
    if (this.timings === undefined) {
      if (execution.stage === 'PENDING') {
        execution.stage = 'RUNNING';
        execution.startDate = now;
      } else {
        this.finish(execution, now);
      }
      return;
    }

    const startDate = execution.creationDate + this.timings.pendingMs;
    const endDate = startDate + this.timings.runningMs;
    if (now >= endDate) {
      execution.startDate = startDate;
      this.finish(execution, endDate);
    } else if (now >= startDate) {
      execution.stage = 'RUNNING';
      execution.startDate = startDate;
    }
  }

  private finish(execution: StoredExecution, endDate: number): void {
    execution.stage = 'FINISHED';
    execution.endDate = endDate;
    if (execution.failedLines.length > 0) {
      const content = execution.failedLines.map((line) => `${line.text}\n`).join('');
      // NOTE: the format of the real error file is not documented. The stand-in's error
      // file contains the failed lines as they were uploaded.
      this.dataFiles.set(errorFileUri(execution), { contentType: execution.contentType, content });
    }
  }

  private requireImport(importId: string): DocumentImport {
    const documentImport = this.importsById.get(importId);
    if (documentImport === undefined) {
      throw new Error(`Document import ${importId} not found`);
    }
    return documentImport;
  }

  private requireExecutions(importId: string): StoredExecution[] {
    const executions = this.executionsByImport.get(importId);
    if (executions === undefined) {
      throw new Error(`Document import ${importId} not found`);
    }
    return executions;
  }
}

/** Returns the datafarm key in the `DF_EU_YYYY_MM` form of the API's example. */
function datafarmKey(now: number): string {
  const date = new Date(now);
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `DF_EU_${date.getUTCFullYear()}_${month}`;
}

/**
 * Picks the lines that a scripted outcome makes fail. Line numbers that do not name a
 * non-empty body line are ignored. A failing final status without explicit lines fails
 * every line.
 */
function selectFailedLines(lines: readonly BodyLine[], outcome: ExecutionOutcome, finalStatus: FinalStatus): BodyLine[] {
  if (outcome.failedLines !== undefined) {
    const failedLineNumbers = new Set(outcome.failedLines);
    return lines.filter((line) => failedLineNumbers.has(line.line));
  }
  if (outcome.totalFailure !== undefined) {
    return lines.slice(0, outcome.totalFailure);
  }
  return FAILING_STATUSES.has(finalStatus) ? [...lines] : [];
}

function defaultErrorMessage(finalStatus: FinalStatus, failureCount: number, lineCount: number): string | undefined {
  if (FAILING_STATUSES.has(finalStatus)) {
    return `Execution ended with status ${finalStatus}`;
  }
  if (failureCount > 0) {
    return `${failureCount} of ${lineCount} lines failed`;
  }
  return undefined;
}

function fileUriPrefix(execution: StoredExecution): string {
  const { datamart_id: datamartId, id: importId } = execution.documentImport;
  return `mics://data_file/stand-in/datamarts/${datamartId}/document_imports/${importId}/executions/${execution.id}`;
}

function inputFileUri(execution: StoredExecution): string {
  return `${fileUriPrefix(execution)}/input`;
}

function errorFileUri(execution: StoredExecution): string {
  return `${fileUriPrefix(execution)}/errors`;
}

function renderExecution(execution: StoredExecution): ExecutionView {
  const finished = execution.stage === 'FINISHED';
  const failing = finished && FAILING_STATUSES.has(execution.finalStatus);
  const totalFailure = finished ? execution.failedLines.length : 0;
  const totalSuccess = finished && !failing ? execution.lines.length - totalFailure : 0;
  const extension = execution.documentImport.mime_type === 'TEXT_CSV' ? 'csv' : 'ndjson';

  const view: ExecutionView = {
    id: execution.id,
    status: finished ? execution.finalStatus : execution.stage,
    creation_date: execution.creationDate,
    start_date: execution.startDate,
    duration:
      execution.startDate !== null && execution.endDate !== null ? execution.endDate - execution.startDate : null,
    organisation_id: ORGANISATION_ID,
    user_id: USER_ID,
    num_tasks: 1,
    completed_tasks: finished && !failing ? 1 : 0,
    erroneous_tasks: failing ? 1 : 0,
    external_model_name: 'PUBLIC_DATAMART',
    parameters: {
      datamart_id: execution.documentImport.datamart_id,
      document_import_id: execution.documentImport.id,
      document_type: execution.documentImport.document_type,
      file_uri: inputFileUri(execution),
      total_failure: totalFailure,
      total_success: totalSuccess,
    },
    result: {
      error_file_uri: totalFailure > 0 ? errorFileUri(execution) : null,
      input_file_uri: inputFileUri(execution),
      input_file_name: `execution-${execution.id}.${extension}`,
      total_failure: totalFailure,
      total_success: totalSuccess,
    },
  };
  if (finished && execution.errorMessage !== undefined) {
    view.error = { message: execution.errorMessage };
  }
  return view;
}
