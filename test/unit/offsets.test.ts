import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetTracker } from '../../src/offsets/tracker.ts';

test('tracker commits the contiguous settled prefix only', () => {
  const tracker = new OffsetTracker();
  const ledger = tracker.ledger('topic', 0);
  const entries = [0n, 1n, 2n, 3n].map((offset) => ledger.register(offset)!);
  entries.forEach((entry) => {
    entry.pending = 1;
    entry.sealed = true;
  });

  tracker.release([entries[1]!, entries[2]!]);
  assert.deepEqual(tracker.commitRequests(), []);

  tracker.release([entries[0]!]);
  const [request] = tracker.commitRequests();
  assert.equal(request?.offset, 3n);
  request!.ledger.markCommitted(request!.offset);
  assert.deepEqual(tracker.commitRequests(), []);

  tracker.release([entries[3]!]);
  assert.equal(tracker.commitRequests()[0]?.offset, 4n);
});

test('tracker waits for unsealed records', () => {
  const tracker = new OffsetTracker();
  const ledger = tracker.ledger('topic', 0);
  const entry = ledger.register(0n)!;
  assert.deepEqual(tracker.commitRequests(), []);
  entry.sealed = true;
  assert.equal(tracker.commitRequests()[0]?.offset, 1n);
});

test('tracker ignores offsets already in flight', () => {
  const tracker = new OffsetTracker();
  const ledger = tracker.ledger('topic', 0);
  assert.ok(ledger.register(5n));
  assert.equal(ledger.register(5n), undefined);
  assert.equal(ledger.register(3n), undefined);
  assert.ok(ledger.register(6n));
});

test('tracker commits nothing for revoked partitions', () => {
  const tracker = new OffsetTracker();
  const kept = tracker.ledger('topic', 0).register(0n)!;
  const lost = tracker.ledger('topic', 1).register(0n)!;
  kept.sealed = true;
  lost.sealed = true;
  lost.pending = 1;

  const revoked = tracker.assign([{ topic: 'topic', partition: 0 }]);
  assert.deepEqual(revoked, [{ topic: 'topic', partition: 1, unsettledRecords: 1, deliveredUncommitted: 0 }]);
  assert.deepEqual(
    tracker.commitRequests().map((request) => [request.partition, request.offset]),
    [[0, 1n]],
  );
  assert.equal(lost.ledger.owned, false);
});

test('ledger keeps memory bounded as records settle', () => {
  const tracker = new OffsetTracker();
  const ledger = tracker.ledger('topic', 0);
  for (let offset = 0n; offset < 10_000n; offset += 1n) {
    ledger.register(offset)!.sealed = true;
    if (offset % 100n === 0n) tracker.commitRequests();
  }
  tracker.commitRequests();
  assert.equal(ledger.unsettledCount(), 0);
  assert.equal(ledger.commitCandidate(), 10_000n);
});

test('tracker reports lost partitions it never read from', () => {
  const tracker = new OffsetTracker();
  tracker.assign([
    { topic: 'topic', partition: 0 },
    { topic: 'topic', partition: 1 },
  ]);
  tracker.ledger('topic', 0).register(0n);
  const lost = tracker.assign([{ topic: 'topic', partition: 2 }]);
  assert.deepEqual(
    lost.map(({ partition, unsettledRecords }) => [partition, unsettledRecords]),
    [
      [0, 1],
      [1, 0],
    ],
  );
  assert.equal(tracker.isAssigned('topic', 2), true);
  assert.equal(tracker.isAssigned('topic', 0), false);
});
