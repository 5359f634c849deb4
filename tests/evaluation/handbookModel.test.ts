/**
 * train/handbook.py, the model step of `vigie evaluate fraud handbook`, on a small draw of the
 * simulated bank's `handbook` profile: vigie's streaming features (handbookFeatureRows, the rules
 * of rules/handbook-features.json) for the Handbook's weeks, then both designs the script measures
 * on them, XGBoost (served by vigie) and scikit-learn's random forest (measured only). Its figures
 * are recomputed here from the test week's scores it writes (`--scores`), by vigie's own
 * measures: the average precision of each design, its F1 at its threshold, and XGBoost's card
 * precision@100 (a forest's scores tie often, and ties at the cut are counted differently:
 * vigie at their expected value, the Handbook in the order of the cards). The test week's rows
 * are the Handbook's: those of 2018-08-08..14, the cards with a known fraud left out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDBOOK_VENV } from '../../bench/handbook.ts';
import { fromBankCsv } from '../../src/adapters/labelledBank.ts';
import { CardPrecisionAtK } from '../../src/evaluation/cardPrecision.ts';
import { featureRowsCsv, handbookFeatureRows } from '../../src/evaluation/handbookFeatures.ts';
import { ScoreCounts } from '../../src/evaluation/precisionRecall.ts';
import { readRuleFile } from '../../src/rules/ruleFile.ts';
import { handbookFeatures } from '../helpers/handbookModel.ts';
import { killAll, vigie } from '../helpers/processes.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const python = path.join(HANDBOOK_VENV, 'bin', 'python');
const DAY_MS = 86_400_000;
const TEST_DAYS = [Date.parse('2018-08-08T00:00:00Z') / DAY_MS, Date.parse('2018-08-15T00:00:00Z') / DAY_MS];

interface Figures {
  readonly threshold: number;
  readonly average_precision: number;
  readonly card_precision_at_100: number;
  readonly f1: number;
}
type Output = Figures & { readonly test: { rows: number; frauds: number }; readonly features: string[]; readonly random_forest: Figures };
interface ScoreRow {
  readonly id: number;
  readonly day: number;
  readonly account: string;
  readonly fraud: boolean;
  readonly xgboost: number;
  readonly forest: number;
}

let dir: string;
let out: Output;
let rows: ScoreRow[];
let frauds: Map<number, boolean>;

beforeAll(async () => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\` (it makes the virtualenv from bench/handbook/requirements.txt)`);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-handbook-model-'));
  const bank = path.join(dir, 'bank.csv');
  // the profile starts on 2018-04-01: 137 days reach the end of the test week
  const simulated = vigie(['simulate', 'bank', '--profile', 'handbook', '--customers', '400', '--terminals', '800', '--days', '137', '--seed', '3', '--out', bank]);
  expect(await simulated.exit, simulated.output()).toBe(0);
  const features = await handbookFeatureRows(fromBankCsv(bank), readRuleFile(handbookFeatures));
  writeFileSync(path.join(dir, 'features.csv'), featureRowsCsv(features));
  const scores = path.join(dir, 'scores.csv');
  out = JSON.parse(
    execFileSync(python, [path.join(root, 'train', 'handbook.py'), bank, path.join(dir, 'features.csv'), '--scores', scores], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }),
  ) as Output;
  rows = readFileSync(scores, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [id, day, account, fraud, xgboost, forest] = line.split(',');
      return { id: Number(id), day: Number(day), account: account!, fraud: fraud === '1', xgboost: Number(xgboost), forest: Number(forest) };
    });
  frauds = new Map(
    readFileSync(bank, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const cells = line.split(',');
        return [Number(cells[0]), cells[10] === '1'] as const;
      }),
  );
}, 600_000);

afterAll(() => {
  killAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const averagePrecision = (scores: readonly number[]): number => {
  const counts = new ScoreCounts();
  rows.forEach((row, i) => counts.add(scores[i]!, row.fraud));
  return counts.averagePrecision();
};

const f1At = (scores: readonly number[], threshold: number): number => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((row, i) => {
    const flagged = scores[i]! >= threshold;
    if (flagged && row.fraud) tp++;
    else if (flagged) fp++;
    else if (row.fraud) fn++;
  });
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
};

describe('train/handbook.py: vigie\'s features, XGBoost and a random forest on the Handbook\'s weeks', () => {
  it("scores the Handbook's test week, labelled as the bank's CSV says", () => {
    expect(out.features).toEqual(readRuleFile(handbookFeatures).map((rule) => rule.feature));
    expect(rows.length).toBe(out.test.rows);
    expect(rows.filter((r) => r.fraud).length).toBe(out.test.frauds);
    expect(out.test.frauds).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.day).toBeGreaterThanOrEqual(TEST_DAYS[0]!);
      expect(row.day).toBeLessThan(TEST_DAYS[1]!);
      expect(row.fraud).toBe(frauds.get(row.id));
    }
  });

  it('gives each design the average precision and the F1 at its threshold its scores give', () => {
    for (const [figures, scores] of [
      [out, rows.map((r) => r.xgboost)],
      [out.random_forest, rows.map((r) => r.forest)],
    ] as const) {
      expect(figures.average_precision).toBeCloseTo(averagePrecision(scores), 4);
      expect(figures.f1).toBeCloseTo(f1At(scores, figures.threshold), 4);
    }
    // two designs, not one measured twice
    expect(rows.some((r) => r.xgboost !== r.forest)).toBe(true);
  });

  it("gives XGBoost the card precision@100 of the Handbook's measure", () => {
    const cards = new CardPrecisionAtK(100);
    for (const row of rows) cards.add(row.day * DAY_MS, row.account, row.xgboost, row.fraud);
    expect(out.card_precision_at_100).toBeCloseTo(cards.mean(), 4);
  });
});
