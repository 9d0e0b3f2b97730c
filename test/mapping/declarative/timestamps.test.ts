import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertEpochTimestamp } from '../../../src/mapping/declarative/timestamps.ts';

describe('convertEpochTimestamp', () => {
  const converted: { value: unknown; format: 'epoch_milliseconds' | 'epoch_seconds'; timestamp: string }[] = [
    { value: 0, format: 'epoch_milliseconds', timestamp: '1970-01-01T00:00:00.000Z' },
    { value: 1762074000000, format: 'epoch_milliseconds', timestamp: '2025-11-02T09:00:00.000Z' },
    { value: 1762074000001, format: 'epoch_milliseconds', timestamp: '2025-11-02T09:00:00.001Z' },
    { value: 1762074000000.4, format: 'epoch_milliseconds', timestamp: '2025-11-02T09:00:00.000Z' },
    { value: '1762074000000', format: 'epoch_milliseconds', timestamp: '2025-11-02T09:00:00.000Z' },
    { value: -1, format: 'epoch_milliseconds', timestamp: '1969-12-31T23:59:59.999Z' },
    { value: 1762074000, format: 'epoch_seconds', timestamp: '2025-11-02T09:00:00.000Z' },
    { value: 1762074000.123, format: 'epoch_seconds', timestamp: '2025-11-02T09:00:00.123Z' },
    { value: '1762074000.5', format: 'epoch_seconds', timestamp: '2025-11-02T09:00:00.500Z' },
    { value: 951782400, format: 'epoch_seconds', timestamp: '2000-02-29T00:00:00.000Z' },
    { value: -62167219200, format: 'epoch_seconds', timestamp: '0000-01-01T00:00:00.000Z' },
    { value: 253402300799, format: 'epoch_seconds', timestamp: '9999-12-31T23:59:59.000Z' },
  ];
  for (const { value, format, timestamp } of converted) {
    it(`converts ${JSON.stringify(value)} ${format}`, () => {
      assert.deepEqual(convertEpochTimestamp(value, format), { ok: true, timestamp });
    });
  }

  const notNumbers: unknown[] = ['', 'now', '1e12', '0x10', ' 1762074000', '1762074000000Z', '+1', true, null, [], {}];
  for (const value of notNumbers) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.deepEqual(convertEpochTimestamp(value, 'epoch_milliseconds'), {
        ok: false,
        problem: 'must be a number of milliseconds since the Unix epoch',
      });
    });
  }

  it('names seconds in the problem', () => {
    assert.deepEqual(convertEpochTimestamp('soon', 'epoch_seconds'), {
      ok: false,
      problem: 'must be a number of seconds since the Unix epoch',
    });
  });

  const outOfRange: { value: number; format: 'epoch_milliseconds' | 'epoch_seconds'; unit: string }[] = [
    { value: 253402300800, format: 'epoch_seconds', unit: 'seconds' },
    { value: -62167219201, format: 'epoch_seconds', unit: 'seconds' },
    { value: 1762074000000, format: 'epoch_seconds', unit: 'seconds' },
    { value: 253402300800000, format: 'epoch_milliseconds', unit: 'milliseconds' },
    { value: Number.MAX_VALUE, format: 'epoch_milliseconds', unit: 'milliseconds' },
    { value: Number.POSITIVE_INFINITY, format: 'epoch_milliseconds', unit: 'milliseconds' },
    { value: Number.NaN, format: 'epoch_milliseconds', unit: 'milliseconds' },
  ];
  for (const { value, format, unit } of outOfRange) {
    it(`rejects ${value} ${format} outside four-digit years`, () => {
      assert.deepEqual(convertEpochTimestamp(value, format), {
        ok: false,
        problem: `is a number of ${unit} outside the years 0000 to 9999`,
      });
    });
  }
});
