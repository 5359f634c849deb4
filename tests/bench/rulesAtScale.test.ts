/**
 * The premise of `npm run bench -- rules`: its 100 generated rules are valid, varied (every
 * aggregate, per-terminal keys, ratios, where filters), and a transaction of the simulated bank
 * meets 1, half or all of them through the rule book's index as the rows of the table say.
 */
import { describe, expect, it } from 'vitest';
import { benchRules } from '../../bench/rulesAtScale.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import type { Transaction } from '../../src/types.ts';

const tx = (channel: string): Transaction => ({
  id: 1,
  transaction_id: 1,
  amount: 5_000,
  currency: 'XAF',
  timestamp: '2026-01-01 10:00:00',
  account: 'C0000001',
  terminal: 'T0000001',
  channel,
});

const applying = (book: RuleBook, t: Transaction): number => book.inForceAt(Date.UTC(2026, 0, 1)).candidates(t).filter((r) => r.applies(t)).length;

describe('bench rules', () => {
  it('are 100 varied rules the schema and the compiler take', () => {
    const rules = benchRules('all');
    expect(rules).toHaveLength(100);
    const json = JSON.stringify(rules);
    for (const aggregate of ['count', 'sum', 'mean', 'max', 'min', 'distinct']) expect(json).toContain(`"aggregate":"${aggregate}"`);
    expect(json).toContain('"key":["account","terminal"]');
    expect(json).toContain('"ratio"');
    expect(json).toContain('"where"');
    expect(RuleBook.of(rules).list()).toHaveLength(100);
  });

  it('meet a transaction by the index: all, one channel\'s half, or one currency\'s one', () => {
    for (const channel of ['card', 'mobile-money']) {
      expect(applying(RuleBook.of(benchRules('all')), tx(channel))).toBe(100);
      expect(applying(RuleBook.of(benchRules('channel')), tx(channel))).toBe(50);
      expect(applying(RuleBook.of(benchRules('currency')), tx(channel))).toBe(1);
      // the index hands the currency rules' transaction one candidate, not 100
      expect(RuleBook.of(benchRules('currency')).inForceAt(0).candidates(tx(channel))).toHaveLength(1);
    }
  });
});
