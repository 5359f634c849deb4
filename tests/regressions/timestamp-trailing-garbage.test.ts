/**
 * Found by the fuzzer (issue 19) on d418ce4: the first counterexample of the in-process property
 * (tests/fuzz/transactions.property.test.ts, seed 19, path 0:0:…:0) was a timestamp with
 * characters after its seconds, which `parseTransaction` let through (its pattern had no end
 * anchor) and `eventTime` refused inside the rules: the stream errored with `RangeError:
 * eventTime: transaction 1000 has timestamp "1970-01-01 00:00:00Zx", not YYYY-MM-DD HH:MM:SS`.
 * Smallest record: `{"id":1000,"transaction_id":1000,"amount":0,"currency":"XAF","timestamp":"1970-01-01 00:00:00Zx"}`.
 * Such a record is a dead letter naming the timestamp, with its exact bytes, and the partition goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/processes.ts';
import { detectRecords, transaction } from './detectRecords.ts';

afterAll(killAll);

describe('regression: a timestamp with trailing characters (fuzz seed 19)', () => {
  it('is a dead letter naming the timestamp, and the records after it are judged', async () => {
    const shrunk = Buffer.from('{"id":1000,"transaction_id":1000,"amount":0,"currency":"XAF","timestamp":"1970-01-01 00:00:00Zx"}');
    const records = [transaction(), shrunk, transaction({ timestamp: '2026-03-01 10:00:00 garbage', amount: 20_000 }), transaction({ amount: 20_000, transaction_id: 56790 })];
    const r = await detectRecords(records);
    expect(r.exitedEarly, r.output).toBeNull();
    expect(r.committed).toBe(records.length);
    expect(r.dead.map((d) => d.offset)).toEqual([1, 2]);
    for (const d of r.dead) {
      expect(d.reason).toMatch(/^timestamp: /);
      expect(d.raw_bytes.equals(records[d.offset]!)).toBe(true);
    }
    expect(r.rows.map((row) => row.offset)).toEqual([3]);
  }, 120_000);
});
