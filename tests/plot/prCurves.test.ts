/**
 * The precision–recall picture: the step line of a curve holds each threshold's precision over the
 * recall it adds, so the area under it is the average precision (for curves small enough to keep
 * every point); a long curve is thinned to what moves the line; each method is one element.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreCounts } from '../../src/evaluation/precisionRecall.ts';
import { prCurvesSvg, stepPoints } from '../../src/plot/prCurves.ts';

const area = (line: [number, number][]): number => {
  let sum = 0;
  for (let i = 1; i < line.length; i++) sum += (line[i]![0] - line[i - 1]![0]) * line[i]![1];
  return sum;
};

describe('prCurves', () => {
  it('draws a step line whose area is the average precision', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 40 }), (rows) => {
        const counts = new ScoreCounts();
        for (const [label, score] of rows) counts.add(score, label);
        fc.pre(counts.positives > 0 && counts.positives <= 10); // recall steps of 1/10 or more: no point thinned
        expect(area(stepPoints(counts.curve()))).toBeCloseTo(counts.averagePrecision(), 12);
      }),
    );
  });

  it('thins a long curve to the points that move it, keeping its ends', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ recall: (i + 1) / 100_000, precision: 0.5 }));
    const line = stepPoints(points);
    expect(line.length).toBeLessThan(2_100);
    expect(line[0]).toEqual([0, 0.5]);
    expect(line.at(-1)).toEqual([1, 0.5]);
  });

  it('gives each method one curve, its AP in the legend', () => {
    const svg = prCurvesSvg([
      { name: 'amount', points: [{ recall: 1, precision: 0.25 }], averagePrecision: 0.25 },
      { name: 'set', points: [], averagePrecision: 0 },
    ]);
    expect(svg.match(/class="curve amount"/g)).toHaveLength(1);
    expect(svg.match(/class="curve set"/g)).toHaveLength(1);
    expect(svg).toContain('amount: AP 0.250');
  });
});
