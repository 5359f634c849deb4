/**
 * replayFeatures, the training side of a model's features: generated histories (accounts, amounts,
 * times; fast-check) give one matrix row per record, each value the one `ruleFeatures` gives that
 * record (NaN where it gives null), the labels and event times beside; a record earlier than the
 * one before it fails the replay naming where, as history must come in event-time order.
 */
import fc from 'fast-check';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VigieError } from '../../src/errors.ts';
import { ruleFeatures } from '../../src/operators/rules/ruleFeatures.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import type { Rule } from '../../src/rules/schema.ts';
import { featureNames, replayFeatures } from '../../src/streams/replayFeatures.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { at, tx } from '../operators/rules/records.ts';

const rules: Rule[] = [
  { id: 'count', version: 1, value: { aggregate: 'count', window: '1h' }, feature: 'count_1h' },
  { id: 'ratio', version: 1, value: { ratio: [{ field: 'amount' }, { aggregate: 'mean', field: 'amount', window: '1d', current: 'exclude' }] }, feature: 'amount_over_mean' },
  { id: 'terminal', version: 1, key: 'terminal', value: { aggregate: 'sum', field: 'amount', window: '1h' }, feature: 'terminal_sum_1h' },
  { id: 'limit', version: 1, value: { field: 'amount' }, compare: '>', limit: 900 },
];

const history = fc.array(
  fc.record({ gap: fc.integer({ min: 0, max: 3600 }), account: fc.constantFrom('A', 'B', 'C'), terminal: fc.constantFrom('T1', 'T2'), amount: fc.integer({ min: 1, max: 1000 }), fraud: fc.boolean() }),
  { minLength: 1, maxLength: 80 },
);

describe('replayFeatures', () => {
  it('gives ruleFeatures’ values, the labels and the event times, one row per record, in order', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (rows) => {
        let seconds = 0;
        const labelled = rows.map((row, i) => {
          seconds += row.gap;
          return { record: tx(i, seconds, { account: row.account, terminal: row.terminal, amount: row.amount }), fraud: row.fraud };
        });
        const matrix = await replayFeatures(from(labelled), RuleBook.of(rules));
        const expected = await lastValueFrom(from(labelled.map((l) => l.record)).pipe(ruleFeatures(RuleBook.of(rules)), toArray()));
        expect(matrix.names).toEqual(['count_1h', 'amount_over_mean', 'terminal_sum_1h']);
        expect(matrix.rows).toBe(rows.length);
        expected.forEach(({ features }, r) => {
          matrix.names.forEach((name, j) => expect(matrix.values[r * 3 + j]).toBe(features[name] ?? Number.NaN));
          expect(matrix.labels[r]).toBe(rows[r]!.fraud ? 1 : 0);
          expect(matrix.times[r]).toBe(Date.parse(`${labelled[r]!.record.transaction.timestamp}Z`));
        });
      }),
      { numRuns: 50 },
    );
  });

  it('refuses history out of event-time order, naming the record', async () => {
    const labelled = [tx(0, 60), tx(1, 120), tx(2, 30)].map((record) => ({ record, fraud: false }));
    const replay = replayFeatures(from(labelled), RuleBook.of(rules));
    await expect(replay).rejects.toBeInstanceOf(VigieError);
    await expect(replay).rejects.toThrow(`not in event-time order: ${at(30)} comes after 2026-11-22T10:02:00.000Z; sort the history by time first (source=test offset=2)`);
  });

  it('makes the rules’ stream with `toStream` when given (label events merged in, in training)', async () => {
    const labelled = [tx(0, 60, { amount: 10 }), tx(1, 120, { amount: 30 })].map((record) => ({ record, fraud: false }));
    const doubled = map((l: { record: TransactionRecord }) => ({ ...l.record, transaction: { ...l.record.transaction, amount: l.record.transaction.amount * 2 } }));
    const matrix = await replayFeatures(from(labelled), RuleBook.of([{ id: 'amount', version: 1, value: { field: 'amount' }, feature: 'amount' }]), { toStream: doubled });
    expect([...matrix.values]).toEqual([20, 60]);
  });

  it('names the features of the rules that compute one, once each, in the book’s order', () => {
    expect(featureNames(RuleBook.of([...rules, { ...rules[0]!, id: 'count-again' }]))).toEqual(['count_1h', 'amount_over_mean', 'terminal_sum_1h']);
  });
});
