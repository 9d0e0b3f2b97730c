// Measures the memory that full default buffers take, to size the pod's
// memory request and limit. It fills windows with synthetic records until they
// hold MAX_BUFFERED_LINES lines (30,000 by default) and prints the growth of
// the V8 heap, of Buffer memory and of the resident set size.
//
//   node --expose-gc deploy/kubernetes/measure-buffer-memory.ts [records] [lines-per-record]
//
// The records look like the sample events: about 350 bytes of JSON with two
// identifiers. Each record value is a separate Buffer here. In the connector,
// values are slices of kafkajs fetch responses, so one held record can keep a
// whole fetched batch in memory.
import { createHash, randomUUID } from 'node:crypto';
import { PartitionLedger } from '../../src/offsets/ledger.ts';
import type { RecordRef, Window } from '../../src/window/window.ts';
import { Windower } from '../../src/window/windower.ts';

const records = Number(process.argv[2] ?? 15_000);
const linesPerRecord = Number(process.argv[3] ?? 2);

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) {
  process.stderr.write('Run with --expose-gc so the figures exclude garbage.\n');
  process.exit(2);
}

const mebibytes = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

collect();
const before = process.memoryUsage();

const cut: Window[] = [];
// Windows are cut as the defaults cut them (10,000 lines, 4 MiB) but never sent, so all stay held.
const windower = new Windower({ maxLines: 10_000, maxBytes: 4 * 1024 * 1024, maxAgeMs: 3_600_000 }, (window) => cut.push(window));
const ledger = new PartitionLedger('consent-events', 0);
const key = { datamartId: '1509', documentType: 'USER_POINTS_DELETION' as const };

let heldBytes = 0;
for (let index = 0; index < records; index += 1) {
  const value = Buffer.from(
    JSON.stringify({
      event_id: randomUUID(),
      event_type: 'erasure.requested',
      occurred_at: new Date().toISOString(),
      identifiers: [
        { type: 'user_account', user_account_id: `CRM-${index}`, compartment_id: '1000' },
        { type: 'email', email: `person${index}@example.com` },
      ],
      source: { system: 'consent-management-platform', region: 'eu-west-1', request_channel: 'privacy-portal' },
    }),
  );
  const entry = ledger.register(BigInt(index))!;
  const ref: RecordRef = {
    entry,
    record: { topic: 'consent-events', partition: 0, offset: String(index), timestamp: String(Date.now()), key: Buffer.from(`person-${index}`), value, headers: {} },
    eventId: randomUUID(),
    occurredAtMs: Date.now(),
  };
  heldBytes += value.length;

  for (let line = 0; line < linesPerRecord; line += 1) {
    const hash = createHash('sha256').update(`person${index}-${line}@example.com`).digest('hex');
    const text = line === 0 ? JSON.stringify({ type: 'USER_ACCOUNT', user_account_id: `CRM-${index}`, compartment_id: '1000' }) : JSON.stringify({ type: 'USER_EMAIL', hash });
    windower.add(key, text, ref);
    heldBytes += text.length;
  }
  entry.sealed = true;
}

collect();
const after = process.memoryUsage();
const bufferBytes = (usage: NodeJS.MemoryUsage): number => usage.external + usage.arrayBuffers;

process.stdout.write(
  `${JSON.stringify({
    node: process.version,
    arch: process.arch,
    records,
    lines: records * linesPerRecord,
    windows: cut.length,
    heldMiB: mebibytes(heldBytes),
    heapGrowthMiB: mebibytes(after.heapUsed - before.heapUsed),
    bufferGrowthMiB: mebibytes(bufferBytes(after) - bufferBytes(before)),
    rssBeforeMiB: mebibytes(before.rss),
    rssAfterMiB: mebibytes(after.rss),
  })}\n`,
);
process.exit(0);
