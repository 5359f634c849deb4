/**
 * Issue 19, finding 1: `parseTransaction` accepted `2026-03-01T10:30:00` (its pattern had no end
 * anchor) while `eventTime` read only `YYYY-MM-DD HH:MM:SS` and threw inside `decideOnArrival`:
 * one ISO 8601 timestamp, as a bank's system writes it, ended `vigie detect transactions`, and
 * every restart stopped on the same record. Here the records go the way the CLI sends them,
 * parse then rules: each form is judged at its instant, the offset applied, and the stream goes on.
 */
import { filter, map } from 'rxjs';
import { describe, it } from 'vitest';
import { parseTransaction } from '../../../src/operators/parseTransaction.ts';
import { decideOnArrival } from '../../../src/operators/rules/decideOnArrival.ts';
import { frequencyRule } from '../../../src/operators/rules/frequency.ts';
import { judge } from '../../../src/operators/rules/judged.ts';
import type { Transaction } from '../../../src/types.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged } from './records.ts';

const message = (offset: number, timestamp: string) => ({
  raw: JSON.stringify({ id: 1000, transaction_id: 10_000 + offset, amount: 100, currency: 'XAF', timestamp, account: 'A' }),
  ref: { source: 'test', partition: 0, offset },
  time: 0,
});
const record = (offset: number, timestamp: string) => ({
  transaction: { id: 1000, transaction_id: 10_000 + offset, amount: 100, currency: 'XAF', timestamp, account: 'A' } as Transaction,
  ref: { source: 'test', partition: 0, offset },
});

describe('decideOnArrival on ISO 8601 timestamps (issue 19, finding 1)', () => {
  it('judges each at its instant, the offset applied, and goes on', marbles((m) => {
    // 10:00:00, then 10 s, 20.5 s and 25 s later in UTC, each written another way
    const stamps = ['2026-11-22 10:00:00', '2026-11-22T11:00:10+01:00', '2026-11-22T10:00:20.5Z', '2026-11-22 04:30:25.000000-0530'];
    const source = m.cold('-a-b-c-d-|', { a: message(0, stamps[0]!), b: message(1, stamps[1]!), c: message(2, stamps[2]!), d: message(3, stamps[3]!) });
    const rules = [frequencyRule({ max: 1, windowMs: 30_000 })];
    const output = source.pipe(
      parseTransaction(),
      filter((p) => p.ok),
      map((p) => p.value),
      judge(),
      decideOnArrival(rules),
    );
    m.expect(output).toBeObservable('-a-b-c-d-|', {
      a: judged(record(0, stamps[0]!)),
      b: judged(record(1, stamps[1]!), ['frequency>1/30s'], 2),
      c: judged(record(2, stamps[2]!), ['frequency>1/30s'], 3),
      d: judged(record(3, stamps[3]!), ['frequency>1/30s'], 4),
    });
  }));
});
