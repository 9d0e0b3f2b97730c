import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startStandIn } from '../../stand-in/mediarithmics/server.ts';
import { TOKEN, createImport, ndjson, postExecution, startForTest } from './helpers.ts';

const USER_POINT = { type: 'USER_POINT', user_point_id: '95772db3-e762-45da-8cf1-4893debffae7' };
const USER_EMAIL = { type: 'USER_EMAIL', hash: 'abc' };

test('waitForLines resolves across executions', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);

  const waiting = standIn.waitForLines(3, 2000);
  await postExecution(standIn, importId, ndjson([USER_POINT, USER_EMAIL]));
  await postExecution(standIn, importId, ndjson([USER_EMAIL]));

  assert.deepEqual(await waiting, [USER_POINT, USER_EMAIL, USER_EMAIL]);
});

test('waitForExecutions resolves at once when met', async (t) => {
  const standIn = await startForTest(t);

  assert.deepEqual(await standIn.waitForExecutions(0, 10), []);
});

test('wait times out with counts', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn);
  await postExecution(standIn, importId, ndjson([USER_POINT]));

  await assert.rejects(standIn.waitForLines(2, 50), /Timed out after 50 ms waiting for 2 lines, with 1 recorded/);
  await assert.rejects(standIn.waitFor(() => false, 20, 'a miracle'), /waiting for a miracle/);
});

test('close rejects pending waits', async (t) => {
  const standIn = await startStandIn({ token: TOKEN });
  t.after(() => standIn.close());

  const waiting = standIn.waitForExecutions(1, 5000);
  await standIn.close();

  await assert.rejects(waiting, /Stopped waiting for 1 execution, with 0 recorded: the stand-in was closed/);
});

test('close cuts a delayed reply short', async (t) => {
  const standIn = await startStandIn({ token: TOKEN });
  t.after(() => standIn.close());
  const importId = await createImport(standIn);
  standIn.script({ delayMs: 60_000 });

  const upload = postExecution(standIn, importId, ndjson([USER_POINT]));
  await standIn.waitForExecutions(1, 2000);
  const startedAt = performance.now();
  await standIn.close();

  assert.ok(performance.now() - startedAt < 1000);
  await assert.rejects(upload, TypeError);
});

test('close twice is safe', async (t) => {
  const standIn = await startStandIn({ token: TOKEN });
  t.after(() => standIn.close());

  await standIn.close();
  await standIn.close();
});

test('stand-in binds to loopback by default', async (t) => {
  const standIn = await startForTest(t);

  assert.match(standIn.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(standIn.url, `http://127.0.0.1:${standIn.port}`);
});

test('stand-in listens on IPv6 loopback', async (t) => {
  let standIn;
  try {
    standIn = await startStandIn({ token: TOKEN, host: '::1' });
  } catch (error) {
    t.skip(`IPv6 loopback is not available: ${(error as Error).message}`);
    return;
  }
  t.after(() => standIn.close());

  assert.match(standIn.url, /^http:\/\/\[::1\]:\d+$/);
  const response = await fetch(`${standIn.url}/_stand-in/health`);
  assert.equal(response.status, 200);
});
