/**
 * What NAB requires of every detector vigie enters, checked on each entry of the catalogue:
 * causal (a row's score is the same whether or not later rows exist, so no look-ahead), one score
 * in [0, 1] per row, and repeatable (a fresh detector on the same series gives the same scores).
 */
import { mergeMap, pipe, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { nabDetectors } from '../../../src/evaluation/nab/detectors.ts';
import { type DetectorFactory, scoreSeries } from '../../../src/evaluation/nab/stream.ts';
import { makeDetection } from '../../helpers/records.ts';
import { seededRandom } from '../../../src/random.ts';

// A daily-looking series with noise, a level shift at 900 and spikes at 700 and 1100: enough for
// every detector to leave its learning period and to see something anomalous before the cut.
const random = seededRandom(11);
const values = Array.from({ length: 1400 }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + random.normal() + (i >= 900 ? 25 : 0) + (i === 700 || i === 1100 ? 40 : 0));
const timestamps = values.map((_, i) => new Date(Date.UTC(2014, 0, 1, 0, 5 * i)).toISOString().slice(0, 19).replace('T', ' '));
const cut = 1000;

/** The rows before the cut, scored with and without the rows after it. */
async function prefixScores(factory: DetectorFactory): Promise<{ whole: number[]; prefix: number[] }> {
  const whole = await scoreSeries('t.csv', timestamps, values, factory);
  const prefix = await scoreSeries('t.csv', timestamps.slice(0, cut), values.slice(0, cut), factory);
  return { whole: Array.from(whole.subarray(0, cut)), prefix: Array.from(prefix) };
}

it('the causality check catches a detector that looks ahead (scaling by the whole series)', async () => {
  const lookingAhead: DetectorFactory = () =>
    pipe(
      toArray(),
      mergeMap((all) => {
        const max = Math.max(...all.map((r) => r.value));
        return all.map((r) => makeDetection(r, 'ahead', 1, r.value / max, 1));
      }),
    );
  const { whole, prefix } = await prefixScores(lookingAhead);
  expect(prefix).not.toEqual(whole);
});

describe.each(Object.keys(nabDetectors))('NAB detector %s', (name) => {
  const { factory } = nabDetectors[name]!;

  it('is causal: the first rows score the same when the later ones never come', async () => {
    const { whole, prefix } = await prefixScores(factory);
    expect(prefix).toEqual(whole);
  });

  it('gives every row a score in [0, 1], the same on a second run', async () => {
    const first = await scoreSeries('t.csv', timestamps, values, factory);
    expect(first.every((s) => s >= 0 && s <= 1)).toBe(true);
    const second = await scoreSeries('t.csv', timestamps, values, factory);
    expect(Array.from(second)).toEqual(Array.from(first));
  });
});
