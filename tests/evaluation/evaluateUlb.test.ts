/**
 * The ULB protocol on small generated files in ULB's format: the cut is by time (the first
 * floor(0.7 × rows) rows, in time order, to train on; a file out of time order refused, naming
 * the line), the trainer is given the training rows only (so its threshold cannot come from the
 * test part: changing every test label changes no model), and the figures on the test part are
 * those of the model's probabilities and threshold, counted here from the rows by brute force.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ULB_COLUMNS, ULB_ORIGIN } from '../../src/adapters/ulb.ts';
import { evaluateUlb } from '../../src/evaluation/evaluateUlb.ts';
import { splitByTime } from '../../src/evaluation/timeSplit.ts';
import { type FraudModel, readFraudModel } from '../../src/models/index.ts';
import type { FraudModelFile } from '../../src/models/modelFile.ts';
import { stump } from '../helpers/models.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigie-ulb-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** A new folder for one run's two parts. */
const fresh = (): string => {
  const d = path.join(dir, `run-${files++}`);
  mkdirSync(d);
  return d;
};

interface Row {
  readonly time: number;
  readonly v1: number;
  readonly amount: number;
  readonly fraud: boolean;
}

const csv = (rows: readonly Row[]): string =>
  `${ULB_COLUMNS.map((c) => `"${c}"`).join(',')}\n` +
  rows.map((r) => [r.time, r.v1, ...Array.from({ length: 27 }, (_, i) => (i % 3) - 1), r.amount, `"${r.fraud ? 1 : 0}"`].join(',') + '\n').join('');

/** Rows in time order (equal times allowed), V1 and the amount loosely tied to the label. */
const rowsArbitrary = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 500 }), fraud: fc.boolean(), v1: fc.integer({ min: -40, max: 40 }), amount: fc.integer({ min: 0, max: 50_000 }) }), { minLength: 10, maxLength: 120 })
  .map((raw) => {
    let time = 0;
    return raw.map((r): Row => {
      time += r.gap;
      return { time, v1: r.v1 / 10 + (r.fraud ? 1.5 : 0), amount: r.amount / 100, fraud: r.fraud };
    });
  });

/** XGBoost's JSON format by hand: margin −2 / +2 on V1 < 1, −0.5 / +1 on amount < 200. */
const modelFile = (threshold: number): FraudModelFile => ({
  format: 'vigie-fraud-model',
  formatVersion: 1,
  version: 'ulb-test',
  learner: { name: 'xgboost', version: '2.1.4', params: { max_depth: 1 } },
  features: ['V1', 'amount'],
  featureRules: [
    { id: 'v1', version: 1, feature: 'V1', value: { field: 'V1' } },
    { id: 'amount', version: 1, feature: 'amount', value: { field: 'amount' } },
  ],
  labelDelay: null,
  trainingWindow: { from: '2013-09-01T00:00:00Z', to: '2013-09-02T00:00:00Z', rows: 10, frauds: 1 },
  threshold,
  metrics: { training: { rows: 10, frauds: 1, averagePrecision: 0.5, precision: 0.5, recall: 0.5, f1: 0.5 }, test: null },
  booster: {
    learner: {
      feature_names: ['V1', 'amount'],
      learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '2' },
      objective: { name: 'binary:logistic' },
      gradient_booster: { name: 'gbtree', model: { trees: [stump(0, 1, -2, 2), stump(1, 200, -0.5, 1)], tree_info: [0, 0] } },
    },
    version: [2, 1, 4],
  },
});

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** The model above, in float64 (its splits are exact in float32 too). */
const probability = (r: Row): number => sigmoid((Math.fround(r.v1) < 1 ? -2 : 2) + (Math.fround(r.amount) < 200 ? -0.5 : 1));

/** scikit-learn's average precision, by brute force: for each distinct score, all rows at or above it. */
function averagePrecision(scores: readonly number[], labels: readonly boolean[]): number {
  const positives = labels.filter(Boolean).length;
  let ap = 0;
  let previousRecall = 0;
  for (const t of [...new Set(scores)].sort((a, b) => b - a)) {
    const picked = scores.map((s, i) => [s >= t, labels[i]] as const).filter(([p]) => p);
    const tp = picked.filter(([, y]) => y).length;
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / picked.length);
    previousRecall = recall;
  }
  return ap;
}

describe('the ULB protocol', () => {
  it('trains on the first 70 % by time only and scores the model on the rest at its threshold', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArbitrary, fc.constantFrom(0.3, 0.5, 0.8), async (rows, threshold) => {
        const out = fresh();
        const file = path.join(dir, `ulb-${files++}.csv`);
        writeFileSync(file, csv(rows));
        const cut = Math.floor(0.7 * rows.length);
        const seen: string[] = [];
        const train = async (trainCsv: string): Promise<FraudModel> => {
          seen.push(readFileSync(trainCsv, 'utf8'));
          return readFraudModel(modelFile(threshold));
        };
        const evaluation = await evaluateUlb(file, { dir: out, train });
        // the trainer saw the header and the training rows, nothing of the test part
        expect(seen).toEqual([csv(rows.slice(0, cut))]);
        expect(readFileSync(evaluation.split.test.file, 'utf8')).toBe(csv(rows.slice(cut)));
        const test = rows.slice(cut);
        expect(evaluation.split).toMatchObject({
          train: { rows: cut, frauds: rows.slice(0, cut).filter((r) => r.fraud).length, from: ULB_ORIGIN + rows[0]!.time * 1000, to: ULB_ORIGIN + rows[cut - 1]!.time * 1000 },
          test: { rows: test.length, frauds: test.filter((r) => r.fraud).length, from: ULB_ORIGIN + test[0]!.time * 1000, to: ULB_ORIGIN + test.at(-1)!.time * 1000 },
        });
        const model = evaluation.result.methods['model']!;
        const scores = test.map(probability);
        const flagged = scores.map((s) => s >= threshold);
        const tp = test.filter((r, i) => r.fraud && flagged[i]).length;
        const fp = test.filter((r, i) => !r.fraud && flagged[i]).length;
        const fn = test.filter((r, i) => r.fraud && !flagged[i]).length;
        expect(model).toMatchObject({ tp, fp, fn, tn: test.length - tp - fp - fn });
        const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
        const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
        expect(model.f1).toBeCloseTo(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), 12);
        if (test.some((r) => r.fraud)) expect(model.averagePrecision).toBeCloseTo(averagePrecision(scores, test.map((r) => r.fraud)), 6);
        // the amount rule at the prototype's 10 000 XAF, in euros
        expect(evaluation.amountLimitEur).toBe(15.24);
        const amount = evaluation.result.methods['amount']!;
        expect(amount.tp + amount.fp).toBe(test.filter((r) => r.amount > 15.24).length);
      }),
      { numRuns: 25 },
    );
  });

  it('gives the trainer the same file whatever the labels of the test part', async () => {
    const rows = Array.from({ length: 50 }, (_, i): Row => ({ time: i * 60, v1: (i % 7) - 3, amount: i, fraud: i % 9 === 0 }));
    const trained: string[] = [];
    for (const flip of [false, true]) {
      const out = fresh();
      const file = path.join(out, 'all.csv');
      writeFileSync(file, csv(rows.map((r, i) => (flip && i >= 35 ? { ...r, fraud: !r.fraud } : r))));
      await evaluateUlb(file, { dir: out, train: async (trainCsv) => (trained.push(readFileSync(trainCsv, 'utf8')), readFraudModel(modelFile(0.5))) });
    }
    expect(trained[0]).toBe(trained[1]);
  });

  it('refuses a file out of time order, naming the line, and one too short to cut', async () => {
    const file = path.join(dir, 'unordered.csv');
    writeFileSync(file, csv([{ time: 0, v1: 0, amount: 1, fraud: false }, { time: 10, v1: 0, amount: 1, fraud: true }, { time: 5, v1: 0, amount: 1, fraud: false }]));
    await expect(splitByTime(file, 0.7, path.join(dir, 'a.csv'), path.join(dir, 'b.csv'))).rejects.toThrow(`${file}:4: earlier than the row before it`);
    const one = path.join(dir, 'one.csv');
    writeFileSync(one, csv([{ time: 0, v1: 0, amount: 1, fraud: false }]));
    await expect(splitByTime(one, 0.7, path.join(dir, 'a.csv'), path.join(dir, 'b.csv'))).rejects.toThrow('1 rows: too few to cut');
    await expect(splitByTime(one, 1, path.join(dir, 'a.csv'), path.join(dir, 'b.csv'))).rejects.toThrow('strictly between 0 and 1');
  });
});
