import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/sink/rate-limiter.ts';

test('rate limiter spaces requests by the configured rate', async () => {
  const limiter = new RateLimiter(20);
  const started = Date.now();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      await limiter.take();
      times.push(Date.now() - started);
    }),
  );
  times.sort((a, b) => a - b);
  // Five requests at 20 per second: the fifth waits four intervals of 50 ms.
  assert.ok(times[4]! >= 195, `fifth request after ${times[4]} ms`);
  for (let index = 1; index < times.length; index += 1) assert.ok(times[index]! - times[index - 1]! >= 40, `gap ${times[index]! - times[index - 1]!} ms`);
});

test('rate limiter of zero does not wait', async () => {
  const limiter = new RateLimiter(0);
  const started = Date.now();
  for (let index = 0; index < 100; index += 1) await limiter.take();
  assert.ok(Date.now() - started < 50);
});
