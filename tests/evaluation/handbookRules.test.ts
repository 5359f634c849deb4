/**
 * The rules and the prototype's rule on the Handbook's test week: a small draw of the Handbook's
 * simulator (50 customers, 100 terminals, its 183 days), replayed from before the training week,
 * and only the test week (2018-08-08..14) scored; the prototype's counts recomputed here from the
 * CSV's rows of that week, and a card precision@100 for each of its seven days.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBankCsv } from '../../src/adapters/labelledBank.ts';
import { writeBankCsv } from '../../src/adapters/simulatedBank/bankCsv.ts';
import { openBank } from '../../src/adapters/simulatedBank/simulateBank.ts';
import { type SeedResult, summarise, tables } from '../../src/cli/commands/evaluateFraudHandbook.ts';
import { handbookRules } from '../../src/evaluation/handbookRules.ts';
import { judgeRules } from '../../src/operators/rules/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigie-handbook-rules-'));
const csv = path.join(dir, 'bank.csv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const out = createWriteStream(csv);
  await writeBankCsv(openBank({ profile: 'handbook', seed: 2, customers: 50, terminals: 100 }), out);
  out.end();
  await finished(out);
});

describe('handbookRules', () => {
  it("scores the test week only, the prototype's counts those of the CSV's rows of that week", async () => {
    const [head, ...lines] = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const at = (name: string) => head!.split(',').indexOf(name);
    const week = lines
      .map((l) => l.split(','))
      .filter((r) => r[at('timestamp')]! >= '2018-08-08' && r[at('timestamp')]! < '2018-08-15')
      .map((r) => ({ amount: Number(r[at('amount')]), fraud: r[at('fraud')] === '1' }));
    expect(week.length).toBeGreaterThan(100);
    const limits = { EUR: 15.24 };
    const result = await handbookRules(fromBankCsv(csv), { prototype: judgeRules({ rules: ['amount'], amount: { limits } }), rules: judgeRules({ amount: { limits } }) });
    expect(result.rows).toBe(week.length);
    expect(result.frauds).toBe(week.filter((r) => r.fraud).length);
    const prototype = result.methods['prototype']!;
    expect(prototype.tp).toBe(week.filter((r) => r.amount > 15.24 && r.fraud).length);
    expect(prototype.fp).toBe(week.filter((r) => r.amount > 15.24 && !r.fraud).length);
    // the rule set holds the amount rule: it flags at least what the prototype flags
    const rules = result.methods['rules']!;
    expect(rules.tp + rules.fp).toBeGreaterThanOrEqual(prototype.tp + prototype.fp);
    expect(result.methods['rules']!.cardPrecisionAt100PerDay.map((d) => d.day)).toEqual(['2018-08-08', '2018-08-09', '2018-08-10', '2018-08-11', '2018-08-12', '2018-08-13', '2018-08-14']);
  }, 120_000);
  it("prints the rules and the prototype beside the model per seed, and the means in the four commands' table", async () => {
    const limits = { EUR: 15.24 };
    const week = await handbookRules(fromBankCsv(csv), { prototype: judgeRules({ rules: ['amount'], amount: { limits } }), rules: judgeRules({ amount: { limits } }) });
    const figures = { average_precision: 0.5, card_precision_at_100: 0.25, auc_roc: 0.9 };
    const forest = (ap: number) => ({ ...figures, average_precision: ap, card_precision_at_100: 0.3, threshold: 0.5, precision: 0.8, recall: 0.7, f1: 0.75, curve: [] });
    const seed = (n: number, ap: number): SeedResult => ({
      seed: n,
      vigie: { ...figures, average_precision: ap, threshold: 0.3, precision: 0.9, recall: 0.6, f1: 0.72, train: { rows: 1, frauds: 1 }, test: { rows: 1, frauds: 1 }, gain: {}, curve: [], random_forest: forest(ap + 0.05) },
      baselines: { 'random forest': figures, xgboost: figures },
      rules: week.methods['rules']!,
      prototype: week.methods['prototype']!,
    });
    const results = [seed(1, 0.6), seed(2, 0.7)];
    const summary = summarise(results);
    expect(summary.vigie.average_precision).toBe(0.65);
    // the second design on vigie's features: its mean, and its margin over the best baseline (0.5)
    expect(summary.forest).toEqual({ average_precision: 0.7, card_precision_at_100: 0.3, margin: 0.2 });
    const p = week.methods['prototype']!;
    // counts summed over the seeds, figures averaged (the same week twice: the week's own)
    expect(summary.prototype).toMatchObject({ tp: 2 * p.tp, fp: 2 * p.fp, fn: 2 * p.fn, tn: 2 * p.tn });
    expect(summary.prototype.averagePrecision).toBeCloseTo(p.averagePrecision, 4);
    const text = tables(results, summary, { rules: 'any fires', prototype: 'amount > 15.24 EUR' });
    const f = (x: number) => x.toFixed(4);
    expect(text).toContain(`| 1 | 0.6000 / 0.2500 | 0.6500 / 0.3000 | 0.5000 / 0.2500 | 0.5000 / 0.2500 | ${f(week.methods['rules']!.averagePrecision)} / ${f(week.methods['rules']!.cardPrecisionAt100)} | ${f(p.averagePrecision)} / ${f(p.cardPrecisionAt100)} | 0.300 |`);
    expect(text).toContain("the random forest on vigie's features (a second design, measured, not served): +0.2000; card precision@100 0.3000");
    expect(text).toContain('| method | threshold | average precision | precision | recall | F1 | card precision@100 | TP | FP | FN | TN |');
    expect(text).toContain(`| prototype (the amount rule alone) | amount > 15.24 EUR | ${f(summary.prototype.averagePrecision)} | ${f(summary.prototype.precision)} |`);
    expect(text).toContain(`| ${2 * p.tp} | ${2 * p.fp} | ${2 * p.fn} | ${2 * p.tn} |`);
  }, 120_000);
});
