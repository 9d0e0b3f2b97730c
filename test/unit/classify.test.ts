import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStatus, parseRetryAfter } from '../../src/sink/classify.ts';
import { backoffDelay } from '../../src/sink/backoff.ts';
import { splitIndexes } from '../../src/sink/send-window.ts';

test('classifyStatus maps each status class to one action', () => {
  const cases: [number, string][] = [
    [200, 'delivered'],
    [201, 'delivered'],
    [400, 'split'],
    [401, 'wait_for_auth'],
    [403, 'wait_for_auth'],
    [404, 'reject'],
    [408, 'retry'],
    [409, 'reject'],
    [413, 'split'],
    [422, 'reject'],
    [429, 'retry'],
    [500, 'retry'],
    [501, 'reject'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
  ];
  for (const [status, action] of cases) assert.equal(classifyStatus(status), action, `status ${status}`);
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  const now = Date.parse('2026-12-04T10:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Fri, 04 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Fri, 04 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

test('backoffDelay grows, is capped, and honours Retry-After up to the cap', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(policy, 0, undefined, () => 0.999999), 99);
  assert.equal(backoffDelay(policy, 3, undefined, () => 0.999999), 799);
  assert.equal(backoffDelay(policy, 10, undefined, () => 0.999999), 999);
  assert.equal(backoffDelay(policy, 10, undefined, () => 0), 0);
  assert.equal(backoffDelay(policy, 0, 400), 400);
  assert.equal(backoffDelay(policy, 0, 50_000), 1000);
  assert.equal(backoffDelay({ ...policy, maxRetryAfterMs: 30_000 }, 0, 50_000), 30_000);
  assert.equal(backoffDelay({ ...policy, maxRetryAfterMs: 30_000 }, 0, 2_000), 2_000);
});

test('splitIndexes isolates named lines or halves the body', () => {
  assert.deepEqual(splitIndexes([10, 11, 12, 13, 14], undefined), [[10, 11, 12], [13, 14]]);
  assert.deepEqual(splitIndexes([10, 11, 12, 13, 14], [2, 5]), [[10, 12, 13], [11], [14]]);
  assert.deepEqual(splitIndexes([10, 11], [1, 2]), [[10], [11]]);
  assert.deepEqual(splitIndexes([10, 11, 12], [9]), [[10, 11], [12]]);
});
