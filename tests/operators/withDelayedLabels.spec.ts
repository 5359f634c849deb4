/**
 * withDelayedLabels: labelled history as a live stream saw it, each fraud's label event its delay
 * after it, merged in event time (a label before the transactions of its time).
 */
import { describe, expect, it } from 'vitest';
import { withDelayedLabels } from '../../src/operators/withDelayedLabels.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const BASE = Date.UTC(2018, 6, 25);
const record = (offset: number, seconds: number): TransactionRecord => ({
  transaction: { id: 1, transaction_id: offset, amount: 10, currency: 'EUR', timestamp: new Date(BASE + seconds * 1000).toISOString(), account: 'C1', terminal: 'T1' },
  ref: { source: 'bank', partition: 0, offset },
});
const label = (of: TransactionRecord, seconds: number, offset: number): TransactionRecord => ({
  transaction: { id: 1, transaction_id: of.transaction.transaction_id, amount: 0, currency: 'EUR', timestamp: new Date(BASE + seconds * 1000).toISOString(), account: 'C1', terminal: 'T1', label: 'fraud' },
  ref: { ...of.ref, offset },
});
/** `r` at the offset it has in the merged stream. */
const at = (r: { record: TransactionRecord }, offset: number): TransactionRecord => ({ ...r.record, ref: { ...r.record.ref, offset } });

describe('withDelayedLabels', () => {
  const a = { record: record(0, 0), fraud: true };
  const b = { record: record(1, 5), fraud: false };
  const c = { record: record(2, 20), fraud: false };
  const d = { record: record(3, 10), fraud: false };

  it('puts each fraud\'s label its delay after it, before the later transactions (the doc example)', marbles((m) => {
    m.expect(m.cold('-a-b-c---|', { a, b, c }).pipe(withDelayedLabels(10_000))).toBeObservable('-a-b-(Lc)|', { a: a.record, b: b.record, c: at(c, 3), L: label(a.record, 10, 2) });
  }));

  it('gives a label before a transaction of its own time: known by then', marbles((m) => {
    m.expect(m.cold('-a-d---|', { a, d }).pipe(withDelayedLabels(10_000))).toBeObservable('-a-(Ld)|', { a: a.record, d: at(d, 2), L: label(a.record, 10, 1) });
  }));

  it('gives the labels still due when the history completes', marbles((m) => {
    m.expect(m.cold('-a-b-|', { a, b }).pipe(withDelayedLabels(10_000))).toBeObservable('-a-b-(L|)', { a: a.record, b: b.record, L: label(a.record, 10, 2) });
  }));

  it('passes an error on, without the labels due', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(withDelayedLabels(10_000))).toBeObservable('-a-#', { a: a.record });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(withDelayedLabels(10_000)), subs).toBeObservable('-a-', { a: a.record });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(withDelayedLabels(1000), (i) => ({ record: record(i, i), fraud: i % 2 === 0 }), 5);
    // record i at i s, the even ones frauds, labelled 1 s later: tx0, L0, tx1, tx2, L2
    expect(outputs.map((r) => r.transaction.label ?? 'tx')).toEqual(['tx', 'fraud', 'tx', 'tx', 'fraud']);
    expect(produced).toBe(4);
  });

  it('sends an unparsable timestamp to error, and refuses a negative delay when built', marbles((m) => {
    const bad = { record: { ...b.record, transaction: { ...b.record.transaction, timestamp: 'yesterday' } }, fraud: false };
    m.expect(m.cold('-a-x-c-|', { a, x: bad, c }).pipe(withDelayedLabels(10_000))).toBeObservable('-a-#', { a: a.record }, expect.objectContaining({ message: expect.stringContaining('yesterday') }));
    expect(() => withDelayedLabels(-1)).toThrow(/delayMs must be a finite number >= 0/);
  }));
});
