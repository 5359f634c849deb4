/**
 * handbookFeatureRows: the Handbook's weeks replayed through the feature rules, each fraud's label
 * known 7 days after it. A terminal's fraud counts only once its label is known, the history
 * before the training week feeds the state but gives no row, and the replay stops at the end of
 * the test week. parseSeeds reads `1-5` and `1,3` and refuses the rest, naming the option.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { LabelledTransaction } from '../../src/adapters/paysim.ts';
import { parseSeeds } from '../../src/cli/commands/evaluateFraudHandbook.ts';
import { featureRowsCsv, handbookFeatureRows } from '../../src/evaluation/handbookFeatures.ts';
import type { Rule } from '../../src/rules/schema.ts';

const DAY = 86_400_000;
const START = Date.parse('2018-07-25T00:00:00Z');
let id = 0;
const tx = (day: number, terminal: string, fraud = false): LabelledTransaction => ({
  record: {
    transaction: { id: 1, transaction_id: id++, amount: 10, currency: 'EUR', timestamp: new Date(START + day * DAY).toISOString(), account: `C${id % 3}`, terminal },
    ref: { source: 'bank', partition: 0, offset: id },
  },
  fraud,
});
const rules: Rule[] = [
  { id: 'frauds', version: 1, key: 'terminal', feature: 'frauds', value: { fraudLabels: { aggregate: 'count', window: '7d', delay: '7d' } } },
  { id: 'count', version: 1, feature: 'count', value: { aggregate: 'count', window: '30d' } },
];

describe('handbookFeatureRows', () => {
  it("counts a terminal's fraud once its label is known (7 days), from history before the training week, and stops after the test week", async () => {
    const bank = [
      tx(-40, 'T1', true), // before the replay's 37 days of history: not read
      tx(-3, 'T1', true), // labelled at day 4
      tx(0, 'T1'), // its label not known yet: 0
      tx(3.9, 'T1'), // 0
      tx(4.5, 'T1'), // known, and within [t - 14d, t - 7d]: 1
      tx(12, 'T1'), // -3 is out of [t - 14d, t - 7d] again: 0
      tx(21.5, 'T1'), // after the test week (ends at day 21): not read
    ];
    const rows = await handbookFeatureRows(from(bank), rules);
    expect(rows.names).toEqual(['frauds', 'count']);
    expect(rows.values.map((v) => v[0])).toEqual([0, 0, 1, 0]);
    expect(rows.ids).toEqual([2, 3, 4, 5]);
    // the 6 records from day -3 to 12 and the label of day -3's fraud
    expect(rows.replayed).toBe(6);
    expect(featureRowsCsv(rows).split('\n')[0]).toBe('transaction_id,frauds,count');
  });

  it('reads seeds as ranges and lists, and refuses anything else naming --seeds', () => {
    expect(parseSeeds('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('1,3, 4')).toEqual([1, 3, 4]);
    expect(() => parseSeeds('one')).toThrow(/--seeds: expected seeds such as 1-5/);
    expect(() => parseSeeds('0')).toThrow(/--seeds/);
  });
});
