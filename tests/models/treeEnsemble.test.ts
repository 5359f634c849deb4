/**
 * vigie's evaluator of XGBoost's JSON model against XGBoost itself: small models trained by
 * XGBoost 2.1.4 (binary:logistic, depth 3 to 6, up to 60 rounds, missing values, some on a grid of
 * values so that test rows fall exactly on splits, test rows in float64 as Node gets them), and
 * on every test row the probability within 1e-6 of `predict`, the margin of `output_margin`, and
 * each contribution and the bias of `pred_contribs=True`. The cases are generated (fast-check);
 * each is trained by tests/models/xgboostCase.py in the virtualenv `npm run setup` makes
 * (.vigie/venv-train, from train/requirements.txt).
 *
 * XGBoost's contributions are float32 sums over the trees; from a magnitude of 8 one float32 step
 * is 9.5e-7, so a contribution is held within 1e-6 × max(1, |XGBoost's value|).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FraudModelFile, readFraudModel, TreeEnsemble } from '../../src/models/index.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const python = path.join(root, '.vigie', 'venv-train', 'bin', 'python');
const CASE = path.join(import.meta.dirname, 'xgboostCase.py');
let dir: string;

interface Case {
  readonly model: object;
  readonly rows: (number | null)[][];
  readonly probability: number[];
  readonly margin: number[];
  readonly contributions: number[][];
}

function train(seed: number, depth: number, rounds: number, features: number, missing: number, quantized: boolean): Case {
  const out = path.join(dir, `case-${seed}-${depth}-${rounds}.json`);
  execFileSync(python, [CASE, String(seed), String(depth), String(rounds), String(features), String(missing), quantized ? '1' : '0', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return JSON.parse(readFileSync(out, 'utf8')) as Case;
}

/** A model file around XGBoost's model, each feature fN read from the record's field fN. */
function modelFile(booster: object, count: number): FraudModelFile {
  const features = Array.from({ length: count }, (_, i) => `f${i}`);
  return {
    format: 'vigie-fraud-model',
    formatVersion: 1,
    version: 'test',
    learner: { name: 'xgboost', version: '2.1.4', params: {} },
    features,
    featureRules: features.map((f) => ({ id: f, version: 1, feature: f, value: { field: f } })),
    labelDelay: null,
    trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z', rows: 800, frauds: 160 },
    threshold: 0.5,
    metrics: { training: { rows: 800, frauds: 160, averagePrecision: null, precision: 0, recall: 0, f1: 0 }, test: null },
    booster: booster as Record<string, unknown>,
  };
}

beforeAll(() => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\` (it makes the virtualenv from train/requirements.txt)`);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-xgboost-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("XGBoost's JSON model evaluated in Node", () => {
  it('gives XGBoost’s probability, margin and contributions on every test row of generated models', () => {
    let checkedRows = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 3, max: 6 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 2, max: 8 }),
        fc.constantFrom(0, 0.1, 0.4),
        fc.boolean(),
        (seed, depth, rounds, features, missing, quantized) => {
          const c = train(seed, depth, rounds, features, missing, quantized);
          const model = readFraudModel(modelFile(c.model, features));
          const ensemble = TreeEnsemble.fromXGBoost(c.model);
          c.rows.forEach((row, r) => {
            const where = `seed ${seed}, depth ${depth}, ${rounds} rounds, row ${r}`;
            const values = Object.fromEntries(row.map((v, i) => [`f${i}`, v]));
            expect(Math.abs(model.score(values) - c.probability[r]!), `${where}: probability`).toBeLessThanOrEqual(1e-6);
            expect(Math.abs(model.margin(values) - c.margin[r]!), `${where}: margin`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(c.margin[r]!)));
            const want = c.contributions[r]!;
            const got = ensemble.contributions(row.map((v) => v ?? Number.NaN));
            got.values.forEach((v, i) => expect(Math.abs(v - want[i]!), `${where}: contribution of f${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]!))));
            expect(Math.abs(got.bias - want[features]!), `${where}: bias`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[features]!)));
            // the model's own view: the same values by name, largest first, adding up to the margin with the bias
            const named = model.contributions(values);
            expect(named.map((n) => n.contribution)).toEqual([...got.values].sort((a, b) => Math.abs(b) - Math.abs(a)));
            expect(named.find((n) => n.feature === 'f0')!.value).toBe(row[0]);
            checkedRows++;
          });
        },
      ),
      { numRuns: 8 },
    );
    expect(checkedRows).toBe(8 * 200);
  }, 180_000);

  it('sends a missing value down the default branch and reads a value as float32 against the split', () => {
    // one split on f0 at float32(0.1) (0.100000001490116...), missing going right
    const tree = { left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [0, 0, 0], split_conditions: [0.1, -1, 1], default_left: [0, 0, 0], sum_hessian: [4, 1, 3] };
    const booster = {
      learner: {
        feature_names: [],
        learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '1' },
        objective: { name: 'binary:logistic' },
        gradient_booster: { name: 'gbtree', model: { trees: [tree] } },
      },
    };
    const ensemble = TreeEnsemble.fromXGBoost(booster);
    expect(ensemble.margin([Number.NaN])).toBe(1);
    expect(ensemble.margin([0.09])).toBe(-1);
    // 0.1 as a double is below float32(0.1) but is read as float32(0.1) itself: not below, right
    expect(ensemble.margin([0.1])).toBe(1);
    expect(ensemble.margin([0.1000000001])).toBe(1);
    // bias: the mean leaf under the covers, (1·-1 + 3·1) / 4; the contribution takes the rest
    const c = ensemble.contributions([0.09]);
    expect(c.bias).toBeCloseTo(0.5, 12);
    expect(c.values[0]).toBeCloseTo(-1.5, 12);
  });

  it('refuses what it cannot evaluate, naming where', () => {
    const base = (tree: object, objective = 'binary:logistic') => ({
      learner: { learner_model_param: { base_score: '5E-1', num_feature: '1' }, objective: { name: objective }, gradient_booster: { name: 'gbtree', model: { trees: [tree] } } },
    });
    const leaf = { left_children: [-1], right_children: [-1], split_indices: [0], split_conditions: [0.5], default_left: [0], sum_hessian: [1] };
    expect(() => TreeEnsemble.fromXGBoost(base(leaf, 'multi:softprob'))).toThrow(/learner\.objective\.name: multi:softprob is not supported/);
    expect(() => TreeEnsemble.fromXGBoost(base({ ...leaf, sum_hessian: [] }))).toThrow(/trees\.0\.sum_hessian: 0 nodes, left_children has 1/);
    expect(() => TreeEnsemble.fromXGBoost(base({ ...leaf, split_type: [1] }))).toThrow(/trees\.0\.split_type: categorical splits are not supported/);
    expect(() => TreeEnsemble.fromXGBoost(base({ ...leaf, left_children: [0] }))).toThrow(/trees\.0: node 0 has children 0, -1 outside the tree/);
    expect(() => TreeEnsemble.fromXGBoost({ learner: {} })).toThrow(/^learner\.learner_model_param: /);
  });
});
