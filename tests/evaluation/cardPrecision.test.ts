/**
 * Card precision@k as the Handbook computes it (card_precision_top_k): each card's highest score
 * and label per day, cards caught on an earlier day left out, the mean over the days. The
 * expected values are worked out by hand, with k = 2.
 */
import { describe, expect, it } from 'vitest';
import { CardPrecisionAtK } from '../../src/evaluation/cardPrecision.ts';

const DAY = 86_400_000;
const day1 = Date.UTC(2018, 3, 1);
const day2 = day1 + DAY;

describe('CardPrecisionAtK', () => {
  it("takes each card's highest score and its label per day, and leaves out the cards caught before", () => {
    const p = new CardPrecisionAtK(2);
    p.add(day1 + 1, 'A', 0.9, true);
    p.add(day1 + 2, 'B', 0.8, false);
    p.add(day1 + 3, 'C', 0.1, false);
    p.add(day1 + 4, 'C', 0.05, true); // C is compromised that day, its score the highest of its day: 0.1
    // day 1: A, B on top → 1/2; A caught
    p.add(day2 + 1, 'A', 0.95, true); // caught already: left out
    p.add(day2 + 2, 'B', 0.5, false);
    p.add(day2 + 3, 'C', 0.6, true);
    p.add(day2 + 4, 'D', 0.2, false);
    // day 2: C, B on top → 1/2
    expect(p.perDay()).toEqual([
      { day: '2018-04-01', precision: 0.5, cards: 3, compromised: 2 },
      { day: '2018-04-02', precision: 0.5, cards: 3, compromised: 1 },
    ]);
    expect(p.mean()).toBe(0.5);
  });

  it('divides by k even when a day has fewer cards, and counts them all as caught', () => {
    const p = new CardPrecisionAtK(2);
    p.add(day1, 'A', 0, true);
    p.add(day2, 'A', 5, true); // caught on day 1 (the only card, in the top 2): left out
    p.add(day2, 'B', 0, false);
    expect(p.perDay().map((d) => d.precision)).toEqual([0.5, 0]);
  });

  it('counts the cards tied at the cut at their expected value, and none of them as caught', () => {
    const p = new CardPrecisionAtK(2);
    p.add(day1, 'A', 0.9, false);
    for (const [card, fraud] of [['B', true], ['C', false], ['D', true]] as const) p.add(day1, card, 0.5, fraud);
    // one slot left for three tied cards, two of them compromised: 2/3 of a card expected
    p.add(day2, 'B', 0.9, true); // not caught on day 1: counts again
    expect(p.perDay().map((d) => d.precision)).toEqual([1 / 3, 0.5]);
  });

  it('closes the days before a time, and counts what comes for a closed day as late', () => {
    const p = new CardPrecisionAtK(1);
    p.add(day1, 'A', 1, true);
    p.closeBefore(day2);
    p.add(day1 + 5, 'B', 2, true);
    expect(p.late).toBe(1);
    expect(p.perDay()).toEqual([{ day: '2018-04-01', precision: 1, cards: 1, compromised: 1 }]);
    expect(() => new CardPrecisionAtK(0)).toThrow('k must be an integer >= 1');
  });
});
