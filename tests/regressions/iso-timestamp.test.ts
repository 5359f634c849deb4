/**
 * Found by the fuzzer (issue 19; tests/fuzz/, fuzz/arbitraries/timestamps.ts) on d418ce4: a valid
 * transaction whose timestamp is ISO 8601 with a zone stops the fraud flow for good. In process
 * (tests/fuzz/transactions.property.test.ts as first committed), FUZZ_SEED=2 failed at once and
 * shrank in 16 steps (path 0:0:…:0) to
 * `{"id":1000,"transaction_id":0,"amount":0,"currency":"XAF","timestamp":"1970-01-01 00:00:00+00:00"}`
 * (the stream errored: `RangeError: eventTime: transaction 0 has timestamp "1970-01-01 00:00:00+00:00",
 * not YYYY-MM-DD HH:MM:SS`), and seeds 1 and 3-6 to `…00:00:00Z` or `…00:00:00.0`. Through the
 * CLI, `npm run fuzz -- --seed 19 --records 300` stopped at offset 1 on
 * `"timestamp":"1987-11-05 22:02:11.012Z"` and vigie exited 1, having committed nothing after it.
 * `parseTransaction` accepted them, `eventTime` refused them inside the rules. Each must be
 * judged, stored (when suspicious) at its instant, and the partition go on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/processes.ts';
import { detectRecords, transaction } from './detectRecords.ts';

afterAll(killAll);

describe('regression: ISO 8601 timestamps (fuzz seed 19)', () => {
  it('are judged at their instant, and the records after them too', async () => {
    const shrunk = Buffer.from('{"id":1000,"transaction_id":0,"amount":0,"currency":"XAF","timestamp":"1970-01-01 00:00:00+00:00"}');
    const records = [
      transaction(),
      shrunk,
      transaction({ amount: 20_000, timestamp: '1987-11-05 22:02:11.012Z' }),
      transaction({ amount: 20_000, timestamp: '2026-03-01T10:30:00+01:00' }),
      transaction({ amount: 20_000, timestamp: '2026-03-01T10:30:00' }),
      transaction({ transaction_id: 56790 }),
    ];
    const r = await detectRecords(records);
    expect(r.exitedEarly, r.output).toBeNull();
    expect(r.committed).toBe(records.length);
    expect(r.dead).toEqual([]);
    expect(r.rows.map((row) => [row.offset, row.event_time?.toISOString()])).toEqual([
      [2, '1987-11-05T22:02:11.012Z'],
      [3, '2026-03-01T09:30:00.000Z'],
      // without a zone, as before: read as UTC
      [4, '2026-03-01T10:30:00.000Z'],
    ]);
  }, 120_000);
});
