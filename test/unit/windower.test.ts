import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Windower } from '../../src/window/windower.ts';
import type { RecordRef, Window } from '../../src/window/window.ts';
import { PartitionLedger } from '../../src/offsets/ledger.ts';

const key = { datamartId: '1509', documentType: 'USER_POINTS_DELETION' as const };

function refs(count: number): RecordRef[] {
  const ledger = new PartitionLedger('topic', 0);
  return Array.from({ length: count }, (_, index) => ({
    entry: ledger.register(BigInt(index))!,
    record: { topic: 'topic', partition: 0, offset: String(index), timestamp: '0', key: null, value: null, headers: {} },
    eventId: `event-${index}`,
    occurredAtMs: 0,
  }));
}

function line(index: number): string {
  return JSON.stringify({ type: 'USER_AGENT', user_agent_id: `vec:${1000 + index}` });
}

test('windower cuts on max lines', () => {
  const cut: Window[] = [];
  const windower = new Windower({ maxLines: 3, maxBytes: 1_000_000, maxAgeMs: 60_000 }, (window) => cut.push(window));
  const owners = refs(7);
  owners.forEach((owner, index) => windower.add(key, line(index), owner));

  assert.equal(cut.length, 2);
  assert.deepEqual(cut.map((window) => [window.lines.length, window.trigger]), [[3, 'lines'], [3, 'lines']]);
  assert.equal(windower.openWindows()[0]?.lines.length, 1);
  windower.flushAll('shutdown');
  assert.equal(cut[2]?.trigger, 'shutdown');
});

test('windower cuts on max bytes before overflowing', () => {
  const cut: Window[] = [];
  const lineBytes = Buffer.byteLength(line(0)) + 1;
  const windower = new Windower({ maxLines: 1000, maxBytes: lineBytes * 2 + 5, maxAgeMs: 60_000 }, (window) => cut.push(window));
  refs(5).forEach((owner, index) => windower.add(key, line(index), owner));

  assert.equal(cut.length, 2);
  for (const window of cut) {
    assert.equal(window.trigger, 'bytes');
    assert.equal(window.bytes, lineBytes * 2);
    assert.equal(Buffer.byteLength(window.body()), window.bytes);
  }
  windower.flushAll('shutdown');
});

test('windower cuts exactly at max bytes', () => {
  const cut: Window[] = [];
  const lineBytes = Buffer.byteLength(line(0)) + 1;
  const windower = new Windower({ maxLines: 1000, maxBytes: lineBytes * 2, maxAgeMs: 60_000 }, (window) => cut.push(window));
  refs(2).forEach((owner, index) => windower.add(key, line(index), owner));
  assert.equal(cut.length, 1);
  assert.equal(cut[0]?.trigger, 'bytes');
  assert.equal(cut[0]?.bytes, lineBytes * 2);
});

test('windower cuts on max age', async () => {
  const cut: Window[] = [];
  const windower = new Windower({ maxLines: 1000, maxBytes: 1_000_000, maxAgeMs: 50 }, (window) => cut.push(window));
  refs(2).forEach((owner, index) => windower.add(key, line(index), owner));
  assert.equal(cut.length, 0);
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(cut.length, 1);
  assert.equal(cut[0]?.trigger, 'age');
  assert.equal(cut[0]?.lines.length, 2);
});

test('windower keeps destinations apart', () => {
  const cut: Window[] = [];
  const windower = new Windower({ maxLines: 2, maxBytes: 1_000_000, maxAgeMs: 60_000 }, (window) => cut.push(window));
  const owners = refs(3);
  windower.add(key, line(0), owners[0]!);
  windower.add({ datamartId: '2000', documentType: 'USER_POINTS_DELETION' }, line(1), owners[1]!);
  windower.add({ ...key, documentType: 'USER_IDENTIFIERS_DELETION' }, line(2), owners[2]!);
  assert.equal(cut.length, 0);
  assert.equal(windower.openWindows().length, 3);
  windower.flushAll('shutdown');
});

test('window folds duplicate lines and counts each record once', () => {
  const cut: Window[] = [];
  const windower = new Windower({ maxLines: 10, maxBytes: 1_000_000, maxAgeMs: 60_000 }, (window) => cut.push(window));
  const owners = refs(2);
  windower.add(key, line(0), owners[0]!);
  windower.add(key, line(1), owners[0]!);
  windower.add(key, line(0), owners[1]!);
  windower.flushAll('shutdown');

  const window = cut[0]!;
  assert.deepEqual(window.lines, [line(0), line(1)]);
  assert.equal(window.owners[0]?.length, 2);
  assert.equal(owners[0]!.entry.pending, 1);
  assert.equal(owners[1]!.entry.pending, 1);
  assert.equal(window.body(), `${line(0)}\n${line(1)}\n`);
});

test('windower keeps the lines of one event together', () => {
  const cut: Window[] = [];
  const windower = new Windower({ maxLines: 4, maxBytes: 1_000_000, maxAgeMs: 60_000 }, (window) => cut.push(window));
  const owners = refs(4);
  windower.addEvent(key, [line(0), line(1)], owners[0]!);
  windower.addEvent(key, [line(2), line(3), line(4)], owners[1]!);
  windower.addEvent(key, [line(5)], owners[2]!);
  windower.addEvent(key, [line(6), line(7), line(8), line(9), line(10), line(11)], owners[3]!);
  windower.flushAll('shutdown');

  assert.deepEqual(
    cut.map((window) => [window.lines.length, window.trigger]),
    [
      [2, 'lines'],
      [4, 'lines'],
      [4, 'lines'],
      [2, 'shutdown'],
    ],
  );
  assert.equal(owners[1]!.entry.pending, 1, 'the three-line event sits in one window');
  assert.equal(owners[3]!.entry.pending, 2, 'an event larger than a window spans two');
});
