import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import avro from 'avsc';

import { createAvroDecoderOptions } from '../../../src/decode/registry/avro.ts';
import {
  MAX_AVRO_COLLECTION_ITEMS,
  MAX_AVRO_NESTING_DEPTH,
  findAvroStructureProblem,
} from '../../../src/decode/registry/avro-structure.ts';

function typeOf(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, createAvroDecoderOptions());
}

/** Zigzag varint of a non-negative or negative integer below 2^53. */
function varint(value: number): number[] {
  let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (unsigned >= 0x80) {
    bytes.push((unsigned % 0x80) | 0x80);
    unsigned = Math.floor(unsigned / 0x80);
  }
  bytes.push(unsigned);
  return bytes;
}

const RECORD = {
  type: 'record',
  name: 'Sample',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'long' },
    { name: 'ratio', type: 'double' },
    { name: 'flag', type: 'boolean' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    { name: 'digest', type: { type: 'fixed', name: 'Digest', size: 4 } },
    { name: 'tags', type: { type: 'map', values: ['null', 'string'] } },
    { name: 'items', type: { type: 'array', items: ['null', { type: 'record', name: 'Item', fields: [{ name: 'n', type: 'int' }] }] } },
  ],
};

describe('findAvroStructureProblem', () => {
  it('accepts every value that avsc writes', () => {
    const type = typeOf(RECORD);
    const samples = [
      { id: '', count: 0n, ratio: 0, flag: false, kind: 'A', digest: Buffer.alloc(4), tags: {}, items: [] },
      {
        id: 'é'.repeat(300),
        count: -9_223_372_036_854_775_808n,
        ratio: -1.5,
        flag: true,
        kind: 'B',
        digest: Buffer.from([1, 2, 3, 4]),
        tags: { a: null, b: 'x' },
        items: [null, { n: -7 }, { n: 2 ** 31 - 1 }],
      },
    ];
    for (const sample of samples) {
      assert.equal(findAvroStructureProblem(type, type.toBuffer(sample)), undefined);
    }
  });

  it('accepts blocks with a negative count and a byte size', () => {
    const type = typeOf({ type: 'array', items: 'int' });
    const bytes = Buffer.from([...varint(-2), ...varint(2), ...varint(1), ...varint(2), 0]);
    assert.equal(findAvroStructureProblem(type, bytes), undefined);
    assert.deepEqual(type.fromBuffer(bytes), [1, 2]);
  });

  it('rejects a huge count of zero-byte items', () => {
    const type = typeOf({ type: 'array', items: 'null' });
    const problem = findAvroStructureProblem(type, Buffer.from([...varint(2 ** 31), 0]));
    assert.match(problem ?? '', new RegExp(`more than ${MAX_AVRO_COLLECTION_ITEMS} items`));
  });

  it('rejects a count of strings beyond the payload', () => {
    const type = typeOf({ type: 'array', items: 'string' });
    assert.match(findAvroStructureProblem(type, Buffer.from([...varint(1000), 0x02, 0x61])) ?? '', /cut off|payload ends/);
  });

  it('rejects item totals over the budget', () => {
    const type = typeOf({ type: 'map', values: 'null' });
    const block = [...varint(40_000), ...Array.from({ length: 40_000 }, () => [0x02, 0x61]).flat()];
    const problem = findAvroStructureProblem(type, Buffer.from([...block, ...block, 0]));
    assert.match(problem ?? '', /items in total/);
  });

  it('rejects a block size beyond the payload', () => {
    const type = typeOf({ type: 'array', items: 'int' });
    assert.match(findAvroStructureProblem(type, Buffer.from([...varint(-1), ...varint(1000), 2, 0])) ?? '', /declares 1000 bytes/);
  });

  it('rejects lengths, indexes and varints out of range', () => {
    const text = typeOf('string');
    assert.match(findAvroStructureProblem(text, Buffer.from([...varint(10), 0x61])) ?? '', /payload ends first/);
    assert.match(findAvroStructureProblem(text, Buffer.from(varint(-3))) ?? '', /negative length/);

    const kind = typeOf({ type: 'enum', name: 'K', symbols: ['A'] });
    assert.match(findAvroStructureProblem(kind, Buffer.from(varint(1))) ?? '', /index 1, outside 0 to 0/);

    const union = typeOf(['null', 'string']);
    assert.match(findAvroStructureProblem(union, Buffer.from(varint(2))) ?? '', /union branch has index 2/);

    const long = typeOf('long');
    assert.match(findAvroStructureProblem(long, Buffer.alloc(11, 0xff)) ?? '', /longer than 10 bytes/);
    assert.match(findAvroStructureProblem(long, Buffer.from([0x80])) ?? '', /cut off/);
  });

  it('rejects strings that are not UTF-8', () => {
    assert.match(findAvroStructureProblem(typeOf('string'), Buffer.from([...varint(2), 0xc3, 0x28])) ?? '', /not valid UTF-8/);
    const map = typeOf({ type: 'map', values: 'int' });
    assert.match(findAvroStructureProblem(map, Buffer.from([...varint(1), ...varint(1), 0xff, 0x02, 0])) ?? '', /not valid UTF-8/);
    assert.equal(findAvroStructureProblem(typeOf('bytes'), Buffer.from([...varint(2), 0xc3, 0x28])), undefined);
  });

  it('rejects trailing bytes', () => {
    assert.match(findAvroStructureProblem(typeOf('int'), Buffer.from([0x02, 0x00])) ?? '', /1 more bytes follow/);
  });

  it('rejects nesting beyond the limit in a recursive schema', () => {
    const type = typeOf({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] });
    const deep = Buffer.from([...Array.from({ length: MAX_AVRO_NESTING_DEPTH }, () => 0x02), 0x00]);
    assert.match(findAvroStructureProblem(type, deep) ?? '', /nested more than/);
    const shallow = Buffer.from([0x02, 0x02, 0x00]);
    assert.equal(findAvroStructureProblem(type, shallow), undefined);
  });
});
