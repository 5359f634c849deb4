/**
 * The Rules panel's content: the rules in force from the book with their versions, hits per
 * minute over the last 60 s of the clock, the latest hits newest first; and the dashboard keeps
 * the panel for a page that opens after it was published (`retain`).
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type RulesMessage, RulesPanel, showRules } from '../../src/dashboard/rulesPanel.ts';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.ts';
import { defaultRuleBook } from '../../src/operators/rules/index.ts';
import type { FiredRule, SuspiciousTransaction } from '../../src/types.ts';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const fired = (id: string, value: number, limit: number, version = 1): FiredRule => ({ id, version, value, limit, reason: id, score: 1 });
const suspicious = (n: number, decidedAt: number, rules: FiredRule[], revision?: number): Pick<SuspiciousTransaction, 'transaction' | 'fired' | 'decidedAt' | 'revision'> => ({
  transaction: { id: 1, transaction_id: n, amount: 15_000, currency: 'XAF', timestamp: `2026-11-22 10:00:${String(n % 60).padStart(2, '0')}`, account: `ACC-${n}` },
  fired: rules,
  decidedAt,
  ...(revision === undefined ? {} : { revision }),
});

describe('RulesPanel', () => {
  it('lists the rules in force with their versions, hits in the last minute and the latest hits', () => {
    const book = defaultRuleBook();
    const panel = new RulesPanel({ latest: 2 });
    panel.hit(suspicious(1, T0 + 1_000, [fired('amount', 15_000, 10_000)]));
    panel.hit(suspicious(2, T0 + 30_000, [fired('amount', 20_000.5, 10_000), fired('frequency', 6, 5)]));
    panel.hit(suspicious(3, T0 + 65_000, [fired('amount', Infinity, 10_000)]));
    panel.hit(suspicious(2, T0 + 66_000, [fired('frequency', 6, 5)], 1)); // a revision: counted when first decided
    panel.hit({ ...suspicious(4, T0 + 66_000, []), fired: undefined }); // not explained: nothing to count

    const message: RulesMessage = panel.message(book.list(), T0 + 70_000);
    expect(message.rules.map((r) => `${r.id} v${r.version} ${r.source}`)).toEqual(
      ['amount', 'drain', 'frequency', 'travel', 'new-country', 'zscore'].map((id) => `${id} v1 rules/default.json`),
    );
    const amount = message.rules.find((r) => r.id === 'amount')!;
    // 10:00:01 is more than a minute before 10:01:10
    expect(amount.hitsPerMinute).toBe(2);
    expect(amount.from).toBeNull();
    expect(amount.latest.map((h) => [h.transactionId, h.value, h.limit, h.version, h.time])).toEqual([
      [3, null, 10_000, 1, '2026-11-22 10:00:03'],
      [2, 20_000.5, 10_000, 1, '2026-11-22 10:00:02'],
    ]);
    const frequency = message.rules.find((r) => r.id === 'frequency')!;
    expect([frequency.hitsPerMinute, frequency.latest.map((h) => [h.transactionId, h.value, h.limit])]).toEqual([1, [[2, 6, 5]]]);
    expect(message.rules.find((r) => r.id === 'drain')).toMatchObject({ hitsPerMinute: 0, latest: [] });
    // two minutes on, nothing in the last one; the latest hits stay
    expect(panel.message(book.list(), T0 + 200_000).rules.find((r) => r.id === 'amount')).toMatchObject({ hitsPerMinute: 0, latest: [{ transactionId: 3 }, { transactionId: 2 }] });
  });

  it('counts hits past the ring of 60 seconds without mixing up the minutes', () => {
    const panel = new RulesPanel();
    for (let s = 0; s < 300; s++) for (let k = 0; k <= s % 3; k++) panel.hit(suspicious(s, T0 + s * 1000 + 500, [fired('amount', 1, 0)]));
    // seconds 240..299: each second s holds s % 3 + 1 hits, 20 of each of 1, 2, 3
    expect(panel.hitsPerMinute('amount', T0 + 299_999)).toBe(120);
    // seconds 271..299 left in the window: 9 runs of 2 + 3 + 1, then 2 + 3
    expect(panel.hitsPerMinute('amount', T0 + 330_000)).toBe(59);
  });
});

describe('showRules on the dashboard', () => {
  let dashboard: Dashboard | undefined;
  afterEach(() => dashboard?.close());

  it('publishes the panel kept for a page that opens later, and again when the book takes a change', async () => {
    dashboard = await startDashboard({ host: '127.0.0.1', port: 0, registry: new Registry() });
    const book = defaultRuleBook();
    const shown = showRules(book, dashboard, { intervalMs: 60_000 });
    try {
      const events = await fetch(`${dashboard.url}/events`);
      const reader = events.body!.getReader();
      let text = '';
      const next = async (test: (message: RulesMessage) => boolean): Promise<RulesMessage> => {
        for (;;) {
          // whole lines only: a chunk may end inside one
          for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
            if (!line.startsWith('data: ')) continue;
            const message = JSON.parse(line.slice(6)) as RulesMessage;
            if (message.type === 'rules' && test(message)) return message;
          }
          const { value, done } = await reader.read();
          if (done) throw new Error(`the stream ended: ${text}`);
          text += new TextDecoder().decode(value);
        }
      };
      // published before the page opened: sent to it as it opens
      expect((await next(() => true)).rules).toHaveLength(6);
      const amount = book.list().find((v) => v.id === 'amount')!.rule!.rule;
      book.applyRaw('amount', { ...amount, version: 2, limit: 5_000 }, T0, 'transaction.rules/0@1');
      const changed = await next((m) => m.rules.some((r) => r.id === 'amount' && r.version === 2));
      expect(changed.rules.find((r) => r.id === 'amount')).toMatchObject({ version: 2, from: T0, source: 'transaction.rules/0@1' });
      await reader.cancel();
    } finally {
      shown.close();
    }
  });
});
