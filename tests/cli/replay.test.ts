/**
 * `vigie replay paysim` on the PaySim sample in ../shared: every row judged once by each set of
 * rules, and the prototype's threshold lands where the issue measured it (F1 about 0.005).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killAll, vigie } from '../helpers/processes.ts';
import { afterAll } from 'vitest';

const sample = new URL('../../../shared/data/paysim/paysim_head_44598.csv', import.meta.url).pathname;
afterAll(killAll);

describe.skipIf(!existsSync(sample))('vigie replay paysim', () => {
  it('scores the rules and the prototype against isFraud', async () => {
    const run = vigie(['replay', 'paysim', sample]);
    expect(await run.exit, run.output()).toBe(0);
    const rows = run
      .output()
      .split('\n')
      .filter((l) => /^\| (prototype|vigie)/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => r[1])).toEqual(['prototype: amount > 10000 XAF', "vigie's default rules", "vigie's rules without the fixed amount"]);
    for (const r of rows) {
      const [tp, fp, fn, tn] = r.slice(5, 9).map(Number) as [number, number, number, number];
      expect(tp + fp + fn + tn).toBe(44_598); // every row judged exactly once
      expect(tp + fn).toBe(94); // the sample's frauds
      expect(Number(r[4])).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 4);
    }
    expect(Number(rows[0]![4])).toBeGreaterThan(0.004);
    expect(Number(rows[0]![4])).toBeLessThan(0.007);
    expect(run.output()).toMatch(/^replay vigie's default rules: 44598 \(\d+\/s\)$/m); // progress, as plain lines off a terminal
  }, 60_000);
});
