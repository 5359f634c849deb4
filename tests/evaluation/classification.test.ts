import { describe, expect, it } from 'vitest';
import { ConfusionCounter } from '../../src/evaluation/classification.ts';

describe('ConfusionCounter', () => {
  it('computes precision, recall and F1', () => {
    const c = new ConfusionCounter();
    const pairs: [boolean, boolean][] = [[true, true], [true, true], [true, false], [false, true], [false, false], [false, false]];
    for (const [p, a] of pairs) c.add(p, a);
    expect(c.result()).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
  });

  it('is 0, not NaN, when nothing is predicted or nothing is true', () => {
    const c = new ConfusionCounter();
    c.add(false, false);
    expect(c.result()).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});
