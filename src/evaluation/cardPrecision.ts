/**
 * Card precision@k per day, as the *Reproducible Machine Learning for Credit Card Fraud Detection*
 * Handbook defines it (chapter 4): an investigator checks k cards a day, so what counts is how
 * many of the day's k most suspicious cards are compromised.
 *
 * Per day (UTC): each card (account) gets its highest score of the day and its label for the day
 * (compromised if any of its transactions that day is a fraud); the cards already caught (a
 * compromised card among an earlier day's top k) are left out; the k highest are taken and the
 * day's precision is the compromised ones among them / k. The figure is the mean over the days.
 *
 * Ties at the cut (more cards share the k-th score than slots are left) are counted at their
 * expected value: the free slots × the share of compromised cards among the tied ones, what a
 * random choice among them gives on average, so the figure never depends on the order of
 * accounts. A card is "caught" only when it is certainly in the top k: tied at a cut, it is not.
 *
 * Streamed: transactions come in event-time order (or nearly: any order within the open days);
 * `closeBefore` ends the days before a time, so memory holds the open days' cards and the cards
 * caught so far.
 */

/** One day's figure: the day (`YYYY-MM-DD`, UTC), its precision@k, and how many cards it had. */
export interface DayPrecision {
  readonly day: string;
  readonly precision: number;
  readonly cards: number;
  /** Compromised cards that day, caught ones left out. */
  readonly compromised: number;
}

const DAY_MS = 86_400_000;

export class CardPrecisionAtK {
  private readonly open = new Map<number, Map<string, { score: number; fraud: boolean }>>();
  private readonly caught = new Set<string>();
  private readonly days: DayPrecision[] = [];
  /** Days before this one are closed. */
  private closedBefore = Number.NEGATIVE_INFINITY;
  /** Transactions that came for a day already closed: left out, counted. */
  late = 0;

  constructor(readonly k = 100) {
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`CardPrecisionAtK: k must be an integer >= 1, got ${k}`);
  }

  add(time: number, card: string, score: number, fraud: boolean): void {
    const day = Math.floor(time / DAY_MS);
    if (day < this.closedBefore) {
      this.late++;
      return;
    }
    let cards = this.open.get(day);
    if (cards === undefined) this.open.set(day, (cards = new Map()));
    const seen = cards.get(card);
    if (seen === undefined) cards.set(card, { score, fraud });
    else {
      if (score > seen.score) seen.score = score;
      if (fraud) seen.fraud = true;
    }
  }

  /** Ends every day that ends at or before `time` (epoch ms), in order. */
  closeBefore(time: number): void {
    const before = Math.floor(time / DAY_MS);
    if (before <= this.closedBefore) return;
    for (const day of [...this.open.keys()].sort((a, b) => a - b)) if (day < before) this.closeDay(day);
    this.closedBefore = before;
  }

  /** The per-day figures, every open day closed first. */
  perDay(): readonly DayPrecision[] {
    this.closeBefore(Number.MAX_SAFE_INTEGER);
    return this.days;
  }

  /** The mean over the days; 0 with no day. */
  mean(): number {
    const days = this.perDay();
    return days.length === 0 ? 0 : days.reduce((s, d) => s + d.precision, 0) / days.length;
  }

  private closeDay(day: number): void {
    const cards = [...this.open.get(day)!].filter(([card]) => !this.caught.has(card));
    this.open.delete(day);
    cards.sort((a, b) => b[1].score - a[1].score);
    const compromised = cards.reduce((n, [, c]) => n + (c.fraud ? 1 : 0), 0);
    let found = 0;
    const caughtNow = ([card, c]: [string, { fraud: boolean }]): void => {
      if (!c.fraud) return;
      this.caught.add(card);
      found++;
    };
    if (cards.length <= this.k) cards.forEach(caughtNow);
    else {
      const cut = cards[this.k - 1]![1].score;
      let i = 0;
      for (; i < cards.length && cards[i]![1].score > cut; i++) caughtNow(cards[i]!);
      const slots = this.k - i;
      let tied = 0;
      let tiedFrauds = 0;
      for (; i < cards.length && cards[i]![1].score === cut; i++, tied++) if (cards[i]![1].fraud) tiedFrauds++;
      found += (slots * tiedFrauds) / tied;
      if (slots === tied) for (let j = i - tied; j < i; j++) if (cards[j]![1].fraud) this.caught.add(cards[j]![0]);
    }
    this.days.push({ day: new Date(day * DAY_MS).toISOString().slice(0, 10), precision: found / this.k, cards: cards.length, compromised });
  }
}
