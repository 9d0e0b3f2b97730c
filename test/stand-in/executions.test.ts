import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DATAMART_ID,
  call,
  createImport,
  executionsPath,
  importsPath,
  ndjson,
  postExecution,
  startForTest,
} from './helpers.ts';

const USER_POINT = { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' };
const USER_EMAIL = { type: 'USER_EMAIL', hash: '5d41402abc4b2a76b9719d911017c592' };
const USER_ACCOUNT = { type: 'USER_ACCOUNT', user_account_id: '8541254132', compartment_id: '1000' };

test('execution is accepted and recorded exactly', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const body = ndjson([USER_POINT, USER_EMAIL, USER_ACCOUNT]);
  const before = Date.now();

  const result = await postExecution(standIn, importId, body);

  assert.equal(result.status, 200, result.text);
  assert.equal(result.json.status, 'ok');
  assert.equal(standIn.executions.length, 1);
  const recorded = standIn.executions[0];
  assert.ok(recorded !== undefined);
  assert.deepEqual(
    { ...recorded, receivedAt: undefined },
    {
      datamartId: DATAMART_ID,
      importId,
      executionId: result.json.data.id,
      documentType: 'USER_POINTS_DELETION',
      contentType: 'application/x-ndjson',
      body,
      lines: [USER_POINT, USER_EMAIL, USER_ACCOUNT],
      receivedAt: undefined,
    },
  );
  assert.ok(Date.parse(recorded.receivedAt) >= before - 1);
});

test('execution reply starts PENDING with client model fields', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, ndjson([USER_POINT, USER_EMAIL]));

  const execution = result.json.data;
  assert.match(execution.id, /^\d+$/);
  assert.equal(execution.status, 'PENDING');
  assert.equal(typeof execution.creation_date, 'number');
  assert.equal(execution.start_date, null);
  assert.equal(execution.external_model_name, 'PUBLIC_DATAMART');
  assert.equal(execution.num_tasks, 1);
  assert.deepEqual(
    { ...execution.parameters, file_uri: undefined },
    {
      datamart_id: DATAMART_ID,
      document_import_id: importId,
      document_type: 'USER_POINTS_DELETION',
      file_uri: undefined,
      total_failure: 0,
      total_success: 0,
    },
  );
  assert.equal(execution.result.total_success, 0);
  assert.equal(execution.result.error_file_uri, null);
  assert.equal(typeof execution.result.input_file_uri, 'string');
  assert.equal(execution.error, undefined);
});

test('execution accepts CRLF and blank lines', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const body = `${JSON.stringify(USER_POINT)}\r\n\r\n${JSON.stringify(USER_EMAIL)}`;

  const result = await postExecution(standIn, importId, body);

  assert.equal(result.status, 200, result.text);
  assert.deepEqual(standIn.executions[0]?.lines, [USER_POINT, USER_EMAIL]);
});

test('execution accepts utf-8 charset parameter', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, ndjson([USER_POINT]), 'application/x-ndjson; charset=UTF-8');

  assert.equal(result.status, 200, result.text);
  assert.equal(standIn.executions[0]?.contentType, 'application/x-ndjson; charset=UTF-8');
});

test('execution rejects mismatched content type', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  for (const contentType of ['application/json', 'text/csv', 'text/plain', 'application/x-ndjson; charset=latin1']) {
    const result = await postExecution(standIn, importId, ndjson([USER_POINT]), contentType);
    assert.equal(result.status, 415, contentType);
    assert.equal(result.json.status, 'error', contentType);
  }
  assert.deepEqual(standIn.executions, []);
});

test('execution without content type gets 415', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await call(standIn, executionsPath(importId), { body: Buffer.from(ndjson([USER_POINT])) });

  assert.equal(result.status, 415);
  assert.match(result.json.error, /Content-Type must be application\/x-ndjson.*received none/);
});

test('CSV import takes text/csv uploads', async (t) => {
  const standIn = await startForTest(t);
  const created = await call(standIn, importsPath(), {
    body: { document_type: 'USER_ACTIVITY', mime_type: 'TEXT_CSV', encoding: 'utf-8', name: 'csv' },
  });
  const importId = created.json.data.id;

  const ndjsonUpload = await postExecution(standIn, importId, ndjson([USER_POINT]));
  const csvUpload = await postExecution(standIn, importId, 'a,b\n1,2\n', 'text/csv');

  assert.equal(ndjsonUpload.status, 415);
  assert.match(ndjsonUpload.json.error, /must be text\/csv/);
  assert.equal(csvUpload.status, 200, csvUpload.text);
  assert.deepEqual(standIn.executions[0]?.lines, ['a,b', '1,2']);
});

test('empty body gets 400', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, '');

  assert.equal(result.status, 400);
  assert.match(result.json.error, /body is empty/);
  assert.deepEqual(standIn.executions, []);
});

test('blank-only body gets 400', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, '\n  \n\r\n');

  assert.equal(result.status, 400);
  assert.match(result.json.error, /only blank lines/);
});

test('invalid UTF-8 body gets 400', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));

  assert.equal(result.status, 400);
  assert.match(result.json.error, /not valid UTF-8/);
});

test('body above max size gets 413', async (t) => {
  const standIn = await startForTest(t, { maxBodyBytes: 200 });
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const body = ndjson(Array.from({ length: 10 }, () => USER_POINT));
  assert.ok(Buffer.byteLength(body) > 200);

  const result = await postExecution(standIn, importId, body);

  assert.equal(result.status, 413);
  assert.equal(result.json.status, 'error');
  assert.equal(result.json.max_body_bytes, 200);
  assert.deepEqual(standIn.executions, []);
});

test('body at max size is accepted', async (t) => {
  const line = `${JSON.stringify(USER_POINT)}\n`;
  const standIn = await startForTest(t, { maxBodyBytes: Buffer.byteLength(line) * 2 });
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, line + line);

  assert.equal(result.status, 200, result.text);
});

test('stand-in serves requests after a 413', async (t) => {
  const standIn = await startForTest(t, { maxBodyBytes: 300 });
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const tooLarge = await postExecution(standIn, importId, ndjson(Array.from({ length: 50 }, () => USER_POINT)));
  const accepted = await postExecution(standIn, importId, ndjson([USER_POINT]));

  assert.equal(tooLarge.status, 413);
  assert.equal(accepted.status, 200);
});

test('execution for unknown import gets 404', async (t) => {
  const standIn = await startForTest(t);

  const result = await postExecution(standIn, '999999', ndjson([USER_POINT]));

  assert.equal(result.status, 404);
  assert.match(result.json.error, /Document import 999999 not found/);
});

test('wrong method gets 405 with Allow', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const onExecutions = await call(standIn, executionsPath(importId), { method: 'DELETE' });
  const onImports = await call(standIn, importsPath(), { method: 'PATCH' });

  assert.equal(onExecutions.status, 405);
  assert.equal(onExecutions.json.status, 'error');
  assert.equal(onExecutions.headers.get('allow'), 'GET, POST');
  assert.equal(onImports.status, 405);
  assert.equal(onImports.headers.get('allow'), 'GET, POST');
});

test('unknown route gets 404 envelope', async (t) => {
  const standIn = await startForTest(t);

  for (const path of ['/', '/v1', '/v2/datamarts/1/document_imports', `${importsPath()}/1/executions/2/unknown`]) {
    const result = await call(standIn, path);
    assert.equal(result.status, 404, path);
    assert.equal(result.json.status, 'error', path);
    assert.match(result.json.error, /not found/, path);
  }
});

test('data file returns the uploaded body', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const body = ndjson([USER_POINT, USER_EMAIL]);
  const created = await postExecution(standIn, importId, body);
  const uri = created.json.data.result.input_file_uri;

  const file = await call(standIn, `/v1/data_file/data?uri=${encodeURIComponent(uri)}`);
  const missing = await call(standIn, `/v1/data_file/data?uri=${encodeURIComponent(`${uri}-missing`)}`);
  const noUri = await call(standIn, '/v1/data_file/data');

  assert.equal(file.status, 200);
  assert.equal(file.text, body);
  assert.equal(file.headers.get('content-type'), 'application/x-ndjson');
  assert.equal(missing.status, 404);
  assert.equal(noUri.status, 400);
});
