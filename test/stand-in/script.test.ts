import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ScriptError } from '../../stand-in/mediarithmics/script.ts';
import { call, createImport, executionsPath, importsPath, ndjson, postExecution, startForTest } from './helpers.ts';

const USER_POINT = { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' };
const USER_EMAIL = { type: 'USER_EMAIL', hash: 'abc' };
const BODY = ndjson([USER_POINT, USER_EMAIL]);

test('scripted 500 is not recorded', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500 });

  const failed = await postExecution(standIn, importId, BODY);
  const retried = await postExecution(standIn, importId, BODY);

  assert.equal(failed.status, 500);
  assert.equal(failed.json.status, 'error');
  assert.match(failed.json.error, /Scripted reply with status 500/);
  assert.equal(typeof failed.json.error_id, 'string');
  assert.equal(retried.status, 200);
  assert.equal(standIn.executions.length, 1);
  assert.equal(standIn.executions[0]?.executionId, retried.json.data.id);
  assert.deepEqual(
    standIn.requests.slice(-2).map((request) => [request.status, request.scripted]),
    [
      [500, true],
      [200, false],
    ],
  );
});

test('scripted 500 creates no execution', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 503 });

  await postExecution(standIn, importId, BODY);
  const list = await call(standIn, executionsPath(importId));

  assert.equal(list.json.total, 0);
});

test('scripted 429 sends Retry-After', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 429, headers: { 'Retry-After': '2' }, body: { status: 'error', error: 'Too many requests' } });

  const result = await postExecution(standIn, importId, BODY);

  assert.equal(result.status, 429);
  assert.equal(result.headers.get('retry-after'), '2');
  assert.deepEqual(result.json, { status: 'error', error: 'Too many requests' });
  assert.deepEqual(standIn.executions, []);
});

test('scripted string body is sent as text', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 502, body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } });

  const result = await postExecution(standIn, importId, BODY);

  assert.equal(result.status, 502);
  assert.equal(result.text, '<html>Bad gateway</html>');
  assert.equal(result.headers.get('content-type'), 'text/html');
});

test('times repeats a reply', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500, times: 2 });

  const statuses = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    statuses.push((await postExecution(standIn, importId, BODY)).status);
  }

  assert.deepEqual(statuses, [500, 500, 200]);
  assert.equal(standIn.executions.length, 1);
  assert.deepEqual(standIn.pendingScript(), []);
});

test('replies are used in order', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500 }, { status: 429 }, { status: 503 });

  const statuses = [];
  for (let attempt = 0; attempt < 4; attempt += 1) {
    statuses.push((await postExecution(standIn, importId, BODY)).status);
  }

  assert.deepEqual(statuses, [500, 429, 503, 200]);
});

test('default match leaves other requests alone', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500 });

  const list = await call(standIn, executionsPath(importId));
  const imports = await call(standIn, importsPath());
  const upload = await postExecution(standIn, importId, BODY);

  assert.equal(list.status, 200);
  assert.equal(imports.status, 200);
  assert.equal(upload.status, 500);
});

test('document_imports match fails import creation', async (t) => {
  const standIn = await startForTest(t);
  standIn.script({ match: 'document_imports', status: 503 });

  const list = await call(standIn, importsPath());
  const failed = await call(standIn, importsPath(), {
    body: { document_type: 'USER_POINTS_DELETION', mime_type: 'APPLICATION_X_NDJSON', encoding: 'utf-8', name: 'x' },
  });

  assert.equal(list.status, 200);
  assert.equal(failed.status, 503);
  assert.deepEqual(standIn.imports(), []);
});

test('any match with method GET fails polls', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ match: 'any', method: 'GET', status: 500 });

  const upload = await postExecution(standIn, importId, BODY);
  const poll = await call(standIn, executionsPath(importId));
  const secondPoll = await call(standIn, executionsPath(importId));

  assert.equal(upload.status, 200);
  assert.equal(poll.status, 500);
  assert.equal(secondPoll.status, 200);
});

test('scripted reply does not consume 401s', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500 });

  const unauthorized = await call(standIn, executionsPath(importId), {
    body: BODY,
    contentType: 'application/x-ndjson',
    authorization: 'wrong',
  });
  const scripted = await postExecution(standIn, importId, BODY);

  assert.equal(unauthorized.status, 401);
  assert.equal(scripted.status, 500);
});

test('delayed 2xx is recorded before the reply', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ delayMs: 1000 });
  const startedAt = performance.now();

  const upload = postExecution(standIn, importId, BODY);
  const recorded = await standIn.waitForExecutions(1, 2000);
  const recordedAfterMs = performance.now() - startedAt;
  const result = await upload;
  const repliedAfterMs = performance.now() - startedAt;

  assert.equal(recorded.length, 1);
  assert.ok(recordedAfterMs < 800, `recorded after ${recordedAfterMs} ms`);
  assert.equal(result.status, 200);
  assert.ok(repliedAfterMs >= 990, `replied after ${repliedAfterMs} ms`);
});

test('delayed reply survives client timeout', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ delayMs: 500 });

  await assert.rejects(
    fetch(`${standIn.url}${executionsPath(importId)}`, {
      method: 'POST',
      headers: { authorization: 'stand-in-test-token', 'content-type': 'application/x-ndjson' },
      body: BODY,
      signal: AbortSignal.timeout(100),
    }),
    { name: 'TimeoutError' },
  );
  // Creating the import is the first recorded request, and the abandoned upload is the second.
  const requests = await standIn.waitForRequests(2, 2000);
  const request = requests[1];

  assert.equal(standIn.executions.length, 1);
  assert.equal(request?.method, 'POST');
  assert.equal(request?.status, null);
  assert.match(request?.error ?? '', /closed the connection before the reply/);
});

test('delayed error reply waits', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 500, delayMs: 200 });
  const startedAt = performance.now();

  const result = await postExecution(standIn, importId, BODY);

  assert.equal(result.status, 500);
  assert.ok(performance.now() - startedAt >= 190);
  assert.deepEqual(standIn.executions, []);
});

test('drop destroys the connection', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ drop: true });

  await assert.rejects(postExecution(standIn, importId, BODY), TypeError);
  const retried = await postExecution(standIn, importId, BODY);

  assert.equal(retried.status, 200);
  assert.equal(standIn.executions.length, 1);
  const dropped = standIn.requests.find((request) => request.dropped);
  assert.equal(dropped?.status, null);
  assert.equal(dropped?.scripted, true);
});

test('2xx override keeps recording', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 202, body: { status: 'ok', data: {} }, headers: { 'x-request-id': 'abc' } });

  const result = await postExecution(standIn, importId, BODY);

  assert.equal(result.status, 202);
  assert.deepEqual(result.json, { status: 'ok', data: {} });
  assert.equal(result.headers.get('x-request-id'), 'abc');
  assert.equal(standIn.executions.length, 1);
});

test('2xx script on invalid body returns the 400', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ status: 200, body: { status: 'ok' } });

  const result = await postExecution(standIn, importId, ndjson(['not json']));

  assert.equal(result.status, 400);
  assert.deepEqual(result.json.invalid_lines, [1]);
  assert.deepEqual(standIn.pendingScript(), []);
});

test('invalid script is rejected whole', async (t) => {
  const standIn = await startForTest(t);
  const cases: Array<[unknown, RegExp]> = [
    [{ status: 99 }, /status/],
    [{ status: 600 }, /status/],
    [{ match: 'imports' }, /match/],
    [{ drop: true, status: 500 }, /status: cannot be combined with drop/],
    [{ times: 0 }, /times/],
    [{ delayMs: -1 }, /delayMs/],
    [{ statuss: 500 }, /statuss/],
    [{ headers: { 'content-length': '1' } }, /content-length: is set by the stand-in/],
    [{ headers: { 'bad header': 'x' } }, /is not a valid HTTP header/],
    [{ match: 'document_imports', outcome: { finalStatus: 'FAILED' } }, /outcome: applies only to replies that match executions/],
    [{ status: 500, outcome: { finalStatus: 'FAILED' } }, /outcome: requires a 2xx status/],
    [{ outcome: { failedLines: [1], totalFailure: 1 } }, /not both/],
    [{ outcome: { finalStatus: 'DONE' } }, /finalStatus/],
  ];

  for (const [reply, expected] of cases) {
    assert.throws(() => standIn.script({ status: 500 }, reply as never), (error: unknown) => {
      assert.ok(error instanceof ScriptError, JSON.stringify(reply));
      assert.match(error.message, /^Invalid scripted reply 2: /, JSON.stringify(reply));
      assert.match(error.message, expected, JSON.stringify(reply));
      return true;
    });
  }
  assert.deepEqual(standIn.pendingScript(), []);
});

test('outcome FAILED ends the execution failed', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ outcome: { finalStatus: 'FAILED', errorMessage: 'Datamart is on an old UserPoint system version' } });

  const created = await postExecution(standIn, importId, BODY);
  await call(standIn, executionsPath(importId));
  const finished = await call(standIn, executionsPath(importId));

  assert.equal(created.json.data.status, 'PENDING');
  const execution = finished.json.data[0];
  assert.equal(execution.status, 'FAILED');
  assert.equal(execution.erroneous_tasks, 1);
  assert.equal(execution.completed_tasks, 0);
  assert.deepEqual(execution.error, { message: 'Datamart is on an old UserPoint system version' });
  assert.equal(execution.result.total_success, 0);
  assert.equal(execution.result.total_failure, 2);
  assert.equal(standIn.executions.length, 1);
});

test('outcome failedLines give partial failure', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ outcome: { failedLines: [2, 9] } });
  const body = ndjson([USER_POINT, USER_EMAIL, USER_POINT]);

  await postExecution(standIn, importId, body);
  await call(standIn, executionsPath(importId));
  const finished = await call(standIn, executionsPath(importId));

  const execution = finished.json.data[0];
  assert.equal(execution.status, 'SUCCEEDED');
  assert.equal(execution.result.total_success, 2);
  assert.equal(execution.result.total_failure, 1);
  assert.equal(execution.parameters.total_failure, 1);
  assert.deepEqual(execution.error, { message: '1 of 3 lines failed' });
  const errorFile = await call(standIn, `/v1/data_file/data?uri=${encodeURIComponent(execution.result.error_file_uri)}`);
  assert.equal(errorFile.status, 200);
  assert.equal(errorFile.text, `${JSON.stringify(USER_EMAIL)}\n`);
});

test('outcome totalFailure counts from the top', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  standIn.script({ outcome: { totalFailure: 5 } });

  await postExecution(standIn, importId, BODY);
  await call(standIn, executionsPath(importId));
  const finished = await call(standIn, executionsPath(importId));

  const execution = finished.json.data[0];
  assert.equal(execution.status, 'SUCCEEDED');
  assert.equal(execution.result.total_failure, 2);
  assert.equal(execution.result.total_success, 0);
});
