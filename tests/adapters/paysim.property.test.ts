/**
 * PaySim's CSV: any generated rows (steps in order, any amounts and balances) read back as the
 * transactions and labels they were written from, one each, in order; with `balanceErrors`, each
 * carries PaySim's two balance errors computed from its own row (newbalanceOrig + amount −
 * oldbalanceOrg, oldbalanceDest + amount − newbalanceDest), and without it neither; a step that is
 * not an integer ends the read with an error naming `file:line`.
 */
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { PAYSIM_COLUMNS, type PaysimBalanceErrors, fromPaysimCsv } from '../../src/adapters/paysim.ts';
import { csvFiles } from '../helpers/csvFiles.ts';

const { write } = csvFiles('paysim');

const money = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000_000_000 }).map((cents) => cents / 100));
const row = fc.record({
  stepGap: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom('PAYMENT', 'TRANSFER', 'CASH_OUT', 'DEBIT', 'CASH_IN'),
  amount: money,
  nameOrig: fc.integer({ min: 1, max: 999 }).map((n) => `C${n}`),
  oldbalanceOrg: money,
  newbalanceOrig: money,
  nameDest: fc.integer({ min: 1, max: 999 }).map((n) => `M${n}`),
  oldbalanceDest: money,
  newbalanceDest: money,
  fraud: fc.boolean(),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const csv = (rows: readonly Row[]): string => {
  let step = 1;
  const lines = rows.map((r) => {
    step += r.stepGap;
    return [step, r.type, r.amount, r.nameOrig, r.oldbalanceOrg, r.newbalanceOrig, r.nameDest, r.oldbalanceDest, r.newbalanceDest, r.fraud ? 1 : 0, 0].join(',');
  });
  return `${[...PAYSIM_COLUMNS, 'isFlaggedFraud'].join(',')}\n${lines.map((l) => `${l}\n`).join('')}`;
};

describe('fromPaysimCsv', () => {
  it('reads every row as its transaction and label, with the balance errors of its own row when asked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (rows) => {
        const file = write(csv(rows));
        const plain = await lastValueFrom(fromPaysimCsv(file).pipe(toArray()));
        const withErrors = await lastValueFrom(fromPaysimCsv(file, { balanceErrors: true }).pipe(toArray()));
        expect(plain).toHaveLength(rows.length);
        expect(withErrors).toHaveLength(rows.length);
        rows.forEach((r, i) => {
          const tx = withErrors[i]!.record.transaction as typeof withErrors[number]['record']['transaction'] & PaysimBalanceErrors;
          expect(tx).toMatchObject({ amount: r.amount, account: r.nameOrig, type: r.type, balanceBefore: r.oldbalanceOrg });
          expect(withErrors[i]!.fraud).toBe(r.fraud);
          expect(tx.errorBalanceOrig).toBe(r.newbalanceOrig + r.amount - r.oldbalanceOrg);
          expect(tx.errorBalanceDest).toBe(r.oldbalanceDest + r.amount - r.newbalanceDest);
          // without the option, the same transaction and nothing more
          const { errorBalanceOrig: _o, errorBalanceDest: _d, ...rest } = tx;
          expect(plain[i]!.record.transaction).toEqual(rest);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('ends with an error naming the line of a step that is not an integer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 10 }), fc.nat(), fc.constantFrom('x', '1.5', ''), async (rows, at, bad) => {
        const lines = csv(rows).split('\n');
        const line = 1 + (at % rows.length);
        lines[line] = [bad, ...lines[line]!.split(',').slice(1)].join(',');
        const file = write(lines.join('\n'));
        await expect(lastValueFrom(fromPaysimCsv(file, { balanceErrors: true }).pipe(toArray()))).rejects.toThrow(`${file}:${line + 1}: step`);
      }),
      { numRuns: 30 },
    );
  });
});
