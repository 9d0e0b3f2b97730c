import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startStandIn } from '../../stand-in/mediarithmics/server.ts';
import { call, createImport, executionsPath, ndjson, postExecution, startForTest } from './helpers.ts';

const USER_POINT = { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' };
const USER_EMAIL = { type: 'USER_EMAIL', hash: 'abc' };

async function listStatuses(standIn: Parameters<typeof call>[0], importId: string): Promise<string[]> {
  const result = await call(standIn, executionsPath(importId));
  assert.equal(result.status, 200, result.text);
  return result.json.data.map((execution: { status: string }) => execution.status);
}

test('each list moves executions one step', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  const created = await postExecution(standIn, importId, ndjson([USER_POINT, USER_EMAIL, USER_POINT]));

  const first = await call(standIn, executionsPath(importId));
  const second = await call(standIn, executionsPath(importId));
  const third = await call(standIn, executionsPath(importId));

  assert.equal(created.json.data.status, 'PENDING');
  assert.equal(first.json.data[0].status, 'RUNNING');
  assert.equal(typeof first.json.data[0].start_date, 'number');
  assert.equal(first.json.data[0].result.total_success, 0);
  const finished = second.json.data[0];
  assert.equal(finished.status, 'SUCCEEDED');
  assert.equal(finished.result.total_success, 3);
  assert.equal(finished.result.total_failure, 0);
  assert.equal(finished.parameters.total_success, 3);
  assert.equal(finished.completed_tasks, 1);
  assert.equal(typeof finished.duration, 'number');
  assert.equal(finished.error, undefined);
  assert.deepEqual(third.json.data[0], finished);
});

test('execution list is newest first', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  const ids: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    ids.push((await postExecution(standIn, importId, ndjson([USER_POINT]))).json.data.id);
  }

  const list = await call(standIn, executionsPath(importId));

  assert.deepEqual(
    list.json.data.map((execution: { id: string }) => execution.id),
    ids.toReversed(),
  );
  assert.equal(list.json.total, 3);
  assert.equal(list.json.count, 3);
});

test('execution list paginates', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  const ids: string[] = [];
  for (let index = 0; index < 5; index += 1) {
    ids.push((await postExecution(standIn, importId, ndjson([USER_POINT]))).json.data.id);
  }

  const page = await call(standIn, `${executionsPath(importId)}?first_result=1&max_results=2`);

  assert.deepEqual(
    page.json.data.map((execution: { id: string }) => execution.id),
    ids.toReversed().slice(1, 3),
  );
  assert.equal(page.json.first_result, 1);
  assert.equal(page.json.max_results, 2);
  assert.equal(page.json.count, 2);
  assert.equal(page.json.total, 5);
});

test('execution list keeps imports apart', async (t) => {
  const standIn = await startForTest(t);
  const firstImport = await createImport(standIn);
  const secondImport = await createImport(standIn);
  await postExecution(standIn, firstImport, ndjson([USER_POINT]));

  const statuses = await listStatuses(standIn, secondImport);

  assert.deepEqual(statuses, []);
});

test('later executions start PENDING', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  await postExecution(standIn, importId, ndjson([USER_POINT]));
  await listStatuses(standIn, importId);
  await postExecution(standIn, importId, ndjson([USER_POINT]));

  const statuses = await listStatuses(standIn, importId);

  assert.deepEqual(statuses, ['RUNNING', 'SUCCEEDED']);
});

test('timed progress follows the clock', async (t) => {
  const standIn = await startForTest(t, { executionTimings: { pendingMs: 300, runningMs: 300 } });
  const importId = await createImport(standIn);
  const created = await postExecution(standIn, importId, ndjson([USER_POINT]));
  const creationDate = created.json.data.creation_date;

  const early = await listStatuses(standIn, importId);
  await sleep(320);
  const middle = await listStatuses(standIn, importId);
  await sleep(320);
  const finished = await call(standIn, executionsPath(importId));

  assert.deepEqual(early, ['PENDING']);
  assert.deepEqual(middle, ['RUNNING']);
  const execution = finished.json.data[0];
  assert.equal(execution.status, 'SUCCEEDED');
  assert.equal(execution.start_date, creationDate + 300);
  assert.equal(execution.duration, 300);
});

test('zero timings finish on first list', async (t) => {
  const standIn = await startForTest(t, { executionTimings: { pendingMs: 0, runningMs: 0 } });
  const importId = await createImport(standIn);

  const created = await postExecution(standIn, importId, ndjson([USER_POINT]));
  const statuses = await listStatuses(standIn, importId);

  assert.equal(created.json.data.status, 'PENDING');
  assert.deepEqual(statuses, ['SUCCEEDED']);
});

test('invalid options are rejected', async () => {
  await assert.rejects(
    startStandIn({ token: 't', executionTimings: { pendingMs: -1, runningMs: 0 } }),
    /executionTimings must have non-negative integer/,
  );
  await assert.rejects(startStandIn({ token: '' }), /token must be a non-empty string/);
  await assert.rejects(startStandIn({ token: 't', maxBodyBytes: 0 }), /maxBodyBytes must be a positive integer/);
});

test('cancel action stops an unfinished execution', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  const created = await postExecution(standIn, importId, ndjson([USER_POINT]));
  const actionPath = `${executionsPath(importId)}/${created.json.data.id}/action`;

  const canceled = await call(standIn, actionPath, { body: { action: 'CANCEL' } });
  const again = await call(standIn, actionPath, { body: { action: 'CANCEL' } });
  const statuses = await listStatuses(standIn, importId);

  assert.equal(canceled.status, 200, canceled.text);
  assert.equal(canceled.json.data.status, 'CANCELED');
  assert.equal(again.status, 400);
  assert.match(again.json.error, /already finished with status CANCELED/);
  assert.deepEqual(statuses, ['CANCELED']);
});

test('cancel action rejects bad input', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  const created = await postExecution(standIn, importId, ndjson([USER_POINT]));

  const unknownAction = await call(standIn, `${executionsPath(importId)}/${created.json.data.id}/action`, {
    body: { action: 'PAUSE' },
  });
  const unknownExecution = await call(standIn, `${executionsPath(importId)}/1/action`, { body: { action: 'CANCEL' } });

  assert.equal(unknownAction.status, 400);
  assert.equal(unknownExecution.status, 404);
});
