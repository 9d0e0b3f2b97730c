import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TOKEN, call, importsPath, startForTest } from './helpers.ts';

test('missing Authorization header gets 401 envelope', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { authorization: null });

  assert.equal(result.status, 401);
  assert.equal(result.json.status, 'error');
  assert.match(result.json.error, /Authorization header is missing/);
  assert.equal(typeof result.json.error_id, 'string');
  assert.notEqual(result.json.error_id, '');
});

test('wrong token gets 401', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { authorization: 'not-the-token' });

  assert.equal(result.status, 401);
  assert.equal(result.json.status, 'error');
  assert.match(result.json.error, /invalid/);
});

test('Bearer prefix gets 401 naming the prefix', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { authorization: `Bearer ${TOKEN}` });

  assert.equal(result.status, 401);
  assert.match(result.json.error, /without the Bearer prefix/);
});

test('token sent as is is accepted', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath());

  assert.equal(result.status, 200);
  assert.equal(result.json.status, 'ok');
});

test('401 applies before routing', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, '/v1/no-such-route', { authorization: null });

  assert.equal(result.status, 401);
});

test('recorded requests keep auth state, not token', async (t) => {
  const standIn = await startForTest(t);

  await call(standIn, importsPath(), { authorization: null });
  await call(standIn, importsPath(), { authorization: 'not-the-token' });
  await call(standIn, importsPath());

  assert.deepEqual(
    standIn.requests.map((request) => [request.authorization, request.status]),
    [
      ['missing', 401],
      ['invalid', 401],
      ['valid', 200],
    ],
  );
  assert.ok(!JSON.stringify(standIn.requests).includes(TOKEN));
  assert.ok(!JSON.stringify(standIn.requests).includes('not-the-token'));
});

test('control routes need no token', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, '/_stand-in/health', { authorization: null });

  assert.equal(result.status, 200);
  assert.deepEqual(result.json, { status: 'ok', data: { healthy: true } });
});
