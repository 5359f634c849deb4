import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { amountZScore, robustZ } from '../../../src/operators/rules/amountZScore.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

const run = async (amounts: number[], options: Parameters<typeof amountZScore>[0]): Promise<Judged[]> =>
  lastValueFrom(from(amounts.map((amount, i) => judged(tx(i, 60 * i, { amount })))).pipe(amountZScore(options), toArray()));

describe('amountZScore', () => {
  const [a, b, c, d, e] = [0, 1, 2, 3, 4].map((i) => judged(tx(i, 60 * i))) as [Judged, Judged, Judged, Judged, Judged];
  const big = judged(tx(5, 300, { amount: 5000 }));
  const z = (0.6745 * 4900) / 5; // MAD 0: floored at 5% of the median 100
  const B = judged(big.record, ['zscore>3.5'], z / 3.5);
  const values = { a, b, c, d, e, f: big, B };

  it('flags an amount far above the account\'s usual ones, once minHistory are known', marbles((m) => {
    const source = m.cold('-a-b-c-d-e-f-|', values);
    m.expect(source.pipe(amountZScore())).toBeObservable('-a-b-c-d-e-B-|', values);
  }));

  // What its doc's @return says: judgements in arrival order, not event-time order, each
  // followed by the revisions it caused. e (10:04) arrives after f (10:05): f, decided with four
  // amounts known, is decided again with five when e takes its place before it.
  it('emits each judgement as its record arrives, followed by the revisions it caused', marbles((m) => {
    const source = m.cold('-a-b-c-d-f-e---|', values);
    const R = { ...B, revision: 1, cause: e.record.ref };
    m.expect(source.pipe(amountZScore({ allowedLatenessMs: 120_000 }))).toBeObservable('-a-b-c-d-f-(eR)|', { ...values, R });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-b-#', values).pipe(amountZScore())).toBeObservable('-a-b-#', values);
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', values);
    const subs = /*    */ '^--!';
    m.expect(source.pipe(amountZScore()), subs).toBeObservable('-a-', values);
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(amountZScore(), (i) => judged(tx(i, i, { amount: i === 6 ? 5000 : 100 })), 7);
    expect(outputs.map((j) => j.reasons)).toEqual([[], [], [], [], [], [], ['zscore>3.5']]);
    expect(produced).toBe(7);
  });

  it('does not fire before minHistory amounts are known', async () => {
    expect((await run([100, 100, 100, 100, 5000], {})).map((j) => j.reasons)).toEqual([[], [], [], [], []]);
  });

  it('does not fire exactly at the threshold, fires just above it', async () => {
    const history = [90, 95, 100, 110, 120];
    expect(robustZ(200, history)).toBeCloseTo((0.6745 * 100) / 10);
    const threshold = robustZ(200, history);
    expect((await run([...history, 200], { threshold }))[5]!.reasons).toEqual([]);
    expect((await run([...history, 200.001], { threshold }))[5]!.reasons).toEqual([`zscore>${threshold}`]);
  });

  it('only high amounts fire', async () => {
    expect((await run([100, 100, 100, 100, 100, 1], {}))[5]!.reasons).toEqual([]);
  });

  it('keeps only the last `window` amounts', async () => {
    // After 5 amounts of 1000, a window of 5 has forgotten the 100s: 1000 is usual again.
    const output = await run([100, 100, 100, 100, 100, 1000, 1000, 1000, 1000, 1000, 1000], { window: 5 });
    expect(output.map((j) => j.reasons.length)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
  });

  it('rejects bad options', () => {
    expect(() => amountZScore({ minHistory: 30 })).toThrow(/minHistory must be an integer in \[1, window\], got 30/);
  });
});
