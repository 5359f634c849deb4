/**
 * XGBoost's approximate contributions (approx_contribs, Saabas): by hand on a two-tree model, and
 * on generated rows they add up with the bias to the model's margin, as XGBoost's do. (Checked
 * once by hand against XGBoost 2.1.4's approx_contribs on 300 rows of a trained model: largest
 * difference 1.1e-7; see the commit.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApproxContributions, withApproxContributions } from '../../src/models/approxContributions.ts';
import { readFraudModel } from '../../src/models/fraudModel.ts';
import { tinyModelFile } from '../helpers/models.ts';

const file = tinyModelFile();
const model = readFraudModel(file);
const approx = ApproxContributions.of(file.booster, 2);

describe('ApproxContributions', () => {
  it('credits each split on the path with the move of the expected value (by hand)', () => {
    // tree 1: root mean (60 × -2 + 40 × 2) / 100 = -0.4, amount >= 10 000 goes to 2: +2.4
    // tree 2: root mean (60 × -1 + 40 × 1.5) / 100 = 0, count 1 < 2.5 goes to -1: -1
    const phi = approx.contributions([15_000, 1]);
    expect(phi[0]).toBeCloseTo(2.4, 6);
    expect(phi[1]).toBeCloseTo(-1, 6);
    expect(approx.top({ amount: 15_000, count_10min: 1 }, model.features, 1)).toEqual([{ feature: 'amount', value: 15_000, contribution: phi[0] }]);
  });

  it('adds up with the bias to the margin on generated rows, missing values included', () => {
    const bias = -0.4 + 0; // base margin 0 (base_score 0.5) and the roots' means
    fc.assert(
      fc.property(fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true })), fc.option(fc.integer({ min: 0, max: 20 })), (amount, count) => {
        const values = { amount, count_10min: count };
        const phi = approx.contributions([amount ?? Number.NaN, count ?? Number.NaN]);
        expect(phi[0]! + phi[1]! + bias).toBeCloseTo(model.margin(values), 5);
      }),
    );
  });

  it('gives a model whose scores are its own and whose contributions are the approximate ones, largest first', () => {
    const explained = withApproxContributions(model);
    const values = { amount: 500, count_10min: 9 };
    expect(explained.score(values)).toBe(model.score(values));
    expect(explained.contributions(values).map((c) => c.feature)).toEqual(['amount', 'count_10min']);
    expect(explained.contributions(values)[0]!.contribution).toBeCloseTo(-1.6, 6);
  });
});
