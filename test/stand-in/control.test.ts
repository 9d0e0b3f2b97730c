import assert from 'node:assert/strict';
import { test } from 'node:test';

import { call, createImport, executionsPath, ndjson, postExecution, startForTest } from './helpers.ts';

const USER_POINT = { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' };

test('control executions lists recorded lines', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  await postExecution(standIn, importId, ndjson([USER_POINT]));

  const result = await call(standIn, '/_stand-in/executions', { authorization: null });

  assert.equal(result.status, 200);
  assert.equal(result.json.count, 1);
  assert.deepEqual(result.json.data, JSON.parse(JSON.stringify(standIn.executions)));
  assert.deepEqual(result.json.data[0].lines, [USER_POINT]);
});

test('control script queues replies', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);

  const queued = await call(standIn, '/_stand-in/script', {
    authorization: null,
    body: [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 500, times: 2 }],
  });
  const pending = await call(standIn, '/_stand-in/script', { authorization: null });
  const statuses = [];
  for (let attempt = 0; attempt < 4; attempt += 1) {
    statuses.push((await postExecution(standIn, importId, ndjson([USER_POINT]))).status);
  }

  assert.equal(queued.status, 200, queued.text);
  assert.equal(queued.json.data.queued, 2);
  assert.equal(pending.json.count, 2);
  assert.equal(pending.json.data[1].times, 2);
  assert.deepEqual(statuses, [429, 500, 500, 200]);
  assert.equal(standIn.executions.length, 1);
});

test('control script takes one object', async (t) => {
  const standIn = await startForTest(t);

  const queued = await call(standIn, '/_stand-in/script', { authorization: null, body: { drop: true } });

  assert.equal(queued.status, 200);
  assert.deepEqual(standIn.pendingScript(), [{ drop: true, times: 1 }]);
});

test('control script rejects invalid replies', async (t) => {
  const standIn = await startForTest(t);

  const invalid = await call(standIn, '/_stand-in/script', { authorization: null, body: [{ status: 500 }, { status: 'x' }] });
  const notJson = await call(standIn, '/_stand-in/script', {
    authorization: null,
    body: '[{',
    contentType: 'application/json',
  });

  assert.equal(invalid.status, 400);
  assert.match(invalid.json.error, /Invalid scripted reply 2: status/);
  assert.equal(notJson.status, 400);
  assert.deepEqual(standIn.pendingScript(), []);
});

test('control reset forgets everything', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  await postExecution(standIn, importId, ndjson([USER_POINT]));
  standIn.script({ status: 500 });

  const reset = await call(standIn, '/_stand-in/reset', { authorization: null, method: 'POST' });
  const oldImport = await call(standIn, executionsPath(importId));
  const newImport = await createImport(standIn);

  assert.equal(reset.status, 200);
  assert.deepEqual(standIn.pendingScript(), []);
  assert.deepEqual(standIn.executions, []);
  assert.equal(oldImport.status, 404);
  assert.ok(Number(newImport) > Number(importId));
  assert.equal(standIn.imports().length, 1);
});

test('in-process reset empties arrays in place', async (t) => {
  const standIn = await startForTest(t);
  const executions = standIn.executions;
  const importId = await createImport(standIn);
  await postExecution(standIn, importId, ndjson([USER_POINT]));

  standIn.reset();

  assert.equal(executions, standIn.executions);
  assert.equal(executions.length, 0);
  assert.equal(standIn.requests.length, 0);
});

test('control requests and imports routes', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);

  const requests = await call(standIn, '/_stand-in/requests', { authorization: null });
  const imports = await call(standIn, '/_stand-in/imports', { authorization: null });

  assert.equal(requests.json.count, 1);
  assert.equal(requests.json.data[0].status, 200);
  assert.equal(imports.json.data[0].id, importId);
});

test('control requests are not recorded', async (t) => {
  const onRequest: unknown[] = [];
  const standIn = await startForTest(t, { onRequest: (request) => onRequest.push(request) });

  await call(standIn, '/_stand-in/health', { authorization: null });

  assert.deepEqual(standIn.requests, []);
  assert.equal(onRequest.length, 1);
  assert.equal((onRequest[0] as { control: boolean }).control, true);
});

test('unknown control route gets 404', async (t) => {
  const standIn = await startForTest(t);

  const unknown = await call(standIn, '/_stand-in/nothing', { authorization: null });
  const wrongMethod = await call(standIn, '/_stand-in/reset', { authorization: null });

  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.status, 'error');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
});
