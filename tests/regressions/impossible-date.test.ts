/**
 * Found by the fuzzer (issue 19) on d418ce4: a timestamp on a day its month does not have was
 * judged as the next month's (V8's `Date.parse` and `Date.UTC` roll 1970-04-31 over to May 1st),
 * never dead-lettered. In process, seed 19 (transactions restricted to broken timestamps) shrank
 * in 26 steps to `{"id":1000,"transaction_id":0,"amount":0,"currency":"AED","timestamp":"1970-04-31 00:00:00"}`
 * ("an invalid transaction was judged, not dead-lettered"). The issue: an impossible date is a
 * dead letter naming the field and the value.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/processes.ts';
import { detectRecords, transaction } from './detectRecords.ts';

afterAll(killAll);

describe('regression: impossible dates (fuzz seed 19)', () => {
  it('are dead letters naming the timestamp, never a row of another day', async () => {
    const shrunk = Buffer.from('{"id":1000,"transaction_id":0,"amount":0,"currency":"AED","timestamp":"1970-04-31 00:00:00"}');
    const records = [shrunk, transaction({ amount: 20_000, timestamp: '2026-02-30 10:00:00' }), transaction({ amount: 20_000, timestamp: '2025-02-29T10:00:00Z' }), transaction({ amount: 20_000 })];
    const r = await detectRecords(records);
    expect(r.exitedEarly, r.output).toBeNull();
    expect(r.committed).toBe(records.length);
    expect(r.dead.map((d) => d.offset)).toEqual([0, 1, 2]);
    for (const d of r.dead) {
      expect(d.reason).toMatch(/^timestamp: .*\d{4}-\d\d-\d\d/);
      expect(d.raw_bytes.equals(records[d.offset]!)).toBe(true);
    }
    expect(r.rows.map((row) => row.offset)).toEqual([3]);
  }, 120_000);
});
