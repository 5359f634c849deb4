/**
 * Average precision and the precision–recall curve against scikit-learn's definitions: the
 * expected values are worked out by hand below, and the first case is the example of sklearn's
 * own documentation (`precision_recall_curve`, `average_precision_score`: 0.83...).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreCounts } from '../../src/evaluation/precisionRecall.ts';

const counted = (labels: readonly number[], scores: readonly number[]): ScoreCounts => {
  const counts = new ScoreCounts();
  labels.forEach((label, i) => counts.add(scores[i]!, label === 1));
  return counts;
};

describe('ScoreCounts', () => {
  it("gives sklearn's documented example: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8]", () => {
    const counts = counted([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    // sklearn: precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds [0.1, 0.35, 0.4, 0.8]
    expect(counts.curve()).toEqual([
      { threshold: 0.8, precision: 1, recall: 0.5 },
      { threshold: 0.4, precision: 0.5, recall: 0.5 },
      { threshold: 0.35, precision: 2 / 3, recall: 1 },
      { threshold: 0.1, precision: 0.5, recall: 1 },
    ]);
    // 0.5 × 1 + 0 × 0.5 + 0.5 × 2/3 + 0 × 0.5
    expect(counts.averagePrecision()).toBeCloseTo(0.8333333333, 10);
  });

  it('sums (R_n − R_{n−1}) P_n down the thresholds', () => {
    // 0.9: P 1, R 1/3; 0.8: P 1/2, R 1/3; 0.7: P 2/3, R 2/3; 0.6: P 3/4, R 1; 0.5: P 3/5, R 1
    const counts = counted([1, 0, 1, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.5]);
    expect(counts.averagePrecision()).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 12);
  });

  it('makes tied scores one threshold, as sklearn does: their order never matters', () => {
    // one threshold 0.5 (tp 2, fp 1: P 2/3, R 1), then 0.1 (adds nothing to recall)
    expect(counted([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.1]).averagePrecision()).toBeCloseTo(2 / 3, 12);
    expect(counted([0, 1, 1, 0], [0.5, 0.5, 0.5, 0.1]).averagePrecision()).toBeCloseTo(2 / 3, 12);
  });

  it("gives a constant score the positives' share, and 0 with no positive", () => {
    expect(counted([1, 0, 0, 0], [0, 0, 0, 0]).averagePrecision()).toBe(0.25);
    expect(counted([0, 0], [1, 2]).averagePrecision()).toBe(0);
    expect(counted([0, 0], [1, 2]).curve()).toEqual([]);
  });

  it('counts -0 and 0 as one score and refuses NaN', () => {
    const counts = counted([1, 0], [0, -0]);
    expect(counts.curve()).toEqual([{ threshold: 0, precision: 0.5, recall: 1 }]);
    expect(() => counts.add(Number.NaN, true)).toThrow('a score is NaN');
  });

  it('equals the definition computed transaction by transaction, for generated labels and scores with ties', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 60 }), (rows) => {
        const counts = new ScoreCounts();
        for (const [label, score] of rows) counts.add(score / 4, label);
        const positives = rows.filter(([label]) => label).length;
        const thresholds = [...new Set(rows.map(([, s]) => s / 4))].sort((a, b) => b - a);
        let expected = 0;
        let previous = 0;
        for (const t of thresholds) {
          const predicted = rows.filter(([, s]) => s / 4 >= t);
          const tp = predicted.filter(([label]) => label).length;
          const recall = positives === 0 ? 0 : tp / positives;
          expected += (recall - previous) * (tp / predicted.length);
          previous = recall;
        }
        expect(counts.averagePrecision()).toBeCloseTo(expected, 12);
        expect(counts.total).toBe(rows.length);
      }),
    );
  });
});
