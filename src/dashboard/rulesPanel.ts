/**
 * The dashboard's Rules panel: the rules in force with their versions (from the rule book), how
 * often each fired in the last minute, and its latest hits, from the `fired` of the suspicious
 * transactions (the flow must explain: `judgeRules({ explain: true })`).
 *
 * Hits are counted per second of the clock (when the rules decided), in a ring of 60 seconds per
 * rule: memory stays the same whatever the rate, and a page opened later sees the last minute.
 *
 * ```
 * hits:     amount at 10:00:01, 10:00:30, 10:01:05; frequency at 10:00:40
 * at 10:01:10  → amount 2/min (10:00:30, 10:01:05), frequency 1/min; latest first
 * ```
 *
 * @example
 * const panel = new RulesPanel();
 * suspicious$.subscribe((s) => panel.hit(s));
 * setInterval(() => dashboard.publish(panel.message(book.list()), { retain: true }), 1000);
 */
import type { RuleBook, RuleVersion } from '../rules/ruleBook.ts';
import type { SuspiciousTransaction } from '../types.ts';

/** One hit of a rule, as the panel lists it. */
export interface RuleHit {
  readonly transactionId: number;
  readonly account?: string;
  readonly version: number;
  /** JSON has no infinity: a value that is not finite is null. */
  readonly value: number | null;
  readonly limit: number;
  /** The transaction's own timestamp (event time), as it came. */
  readonly time: string;
  /** When the rules decided (epoch ms). */
  readonly decidedAt: number;
}

/** A row of the panel: a rule in force, its hits per minute and its latest hits (newest first). */
export interface RuleRow {
  readonly id: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly description?: string;
  /** From when (event time, epoch ms; null: from the start) and from where this version holds. */
  readonly from: number | null;
  readonly source: string;
  readonly hitsPerMinute: number;
  readonly latest: readonly RuleHit[];
}

export interface RulesMessage {
  readonly type: 'rules';
  readonly rules: readonly RuleRow[];
}

const SECONDS = 60;

interface Counts {
  /** Hits per second, at `second % 60`. */
  readonly counts: Int32Array;
  /** The second (epoch s) each slot counts. */
  readonly seconds: Float64Array;
  latest: RuleHit[];
}

export class RulesPanel {
  private readonly byRule = new Map<string, Counts>();

  /**
   * @param options `latest`: the hits kept per rule (5); `now`: the clock (Date.now), for a
   * suspicious transaction that carries no `decidedAt`.
   */
  constructor(private readonly options: { readonly latest?: number; readonly now?: () => number } = {}) {}

  /**
   * Counts each rule that fired on `s`. A transaction the rules did not explain counts nothing, nor
   * does a revision (a decision made again, already counted when first made).
   */
  hit(s: Pick<SuspiciousTransaction, 'transaction' | 'fired' | 'decidedAt' | 'revision'>): void {
    if (s.fired === undefined || (s.revision ?? 0) > 0) return;
    const at = s.decidedAt ?? (this.options.now ?? Date.now)();
    const second = Math.floor(at / 1000);
    const keep = this.options.latest ?? 5;
    for (const f of s.fired) {
      let rule = this.byRule.get(f.id);
      if (rule === undefined) {
        rule = { counts: new Int32Array(SECONDS), seconds: new Float64Array(SECONDS).fill(Number.NaN), latest: [] };
        this.byRule.set(f.id, rule);
      }
      const slot = second % SECONDS;
      if (rule.seconds[slot] !== second) {
        rule.seconds[slot] = second;
        rule.counts[slot] = 0;
      }
      rule.counts[slot]! += 1;
      const { transaction } = s;
      const hit: RuleHit = {
        transactionId: transaction.transaction_id,
        ...(transaction.account === undefined ? {} : { account: transaction.account }),
        version: f.version,
        value: Number.isFinite(f.value) ? f.value : null,
        limit: f.limit,
        time: transaction.timestamp,
        decidedAt: at,
      };
      rule.latest = [hit, ...rule.latest.slice(0, keep - 1)];
    }
  }

  /** Hits of rule `id` in the 60 seconds up to `now` (this second included). */
  hitsPerMinute(id: string, now = (this.options.now ?? Date.now)()): number {
    const rule = this.byRule.get(id);
    if (rule === undefined) return 0;
    const second = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 0; i < SECONDS; i++) if (rule.seconds[i]! > second - SECONDS && rule.seconds[i]! <= second) sum += rule.counts[i]!;
    return sum;
  }

  /** The panel for the rules in force (`book.list()`), with their hits. */
  message(rules: readonly RuleVersion[], now = (this.options.now ?? Date.now)()): RulesMessage {
    const rows: RuleRow[] = [];
    for (const { id, rule, at, source } of rules) {
      if (rule === null) continue;
      const description = rule.rule.description;
      rows.push({
        id,
        version: rule.version,
        enabled: rule.enabled,
        ...(description === undefined ? {} : { description }),
        from: Number.isFinite(at) ? at : null,
        source,
        hitsPerMinute: this.hitsPerMinute(id, now),
        latest: this.byRule.get(id)?.latest ?? [],
      });
    }
    return { type: 'rules', rules: rows };
  }
}

/**
 * Shows `book`'s rules on `dashboard`: the panel is published every `intervalMs` and at once when
 * the book takes a change, kept by the dashboard for the pages that open later.
 *
 * @return `hit` for each suspicious transaction (explained), `close` to stop.
 */
export function showRules(book: Pick<RuleBook, 'list' | 'outcome$'>, dashboard: { publish(message: RulesMessage, options: { retain: boolean }): void }, { intervalMs = 1000, latest = 5 } = {}): { hit: RulesPanel['hit']; close(): void } {
  const panel = new RulesPanel({ latest });
  const publish = (): void => dashboard.publish(panel.message(book.list()), { retain: true });
  publish();
  const changes = book.outcome$.subscribe((outcome) => {
    if (outcome.accepted) publish();
  });
  const ticker = setInterval(publish, intervalMs);
  ticker.unref();
  return {
    hit: (s) => panel.hit(s),
    close() {
      clearInterval(ticker);
      changes.unsubscribe();
    },
  };
}
