/**
 * The model file's schema: a valid file is read; generated invalid files (one value made wrong
 * at a generated place, of a wrong type or out of range) are refused with a reason that names the
 * path of what is wrong, and readFraudModel names the file too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VigieError } from '../../src/errors.ts';
import { type FraudModelFile, checkModelFile, readFraudModel } from '../../src/models/index.ts';

const tree = { left_children: [1, -1, -1], right_children: [2, -1, -1], split_indices: [1, 0, 0], split_conditions: [10, -0.5, 0.5], default_left: [1, 0, 0], sum_hessian: [4, 2, 2] };
const valid: FraudModelFile = {
  format: 'vigie-fraud-model',
  formatVersion: 1,
  version: '20261207T191500Z-1a2b3c4d',
  learner: { name: 'xgboost', version: '2.1.4', params: { max_depth: 3 } },
  features: ['count_1d', 'amount'],
  featureRules: [
    { id: 'count-1d', version: 1, feature: 'count_1d', value: { aggregate: 'count', window: '1d' } },
    { id: 'amount', version: 1, feature: 'amount', value: { field: 'amount' } },
  ],
  labelDelay: '7d',
  trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', rows: 1000, frauds: 12 },
  threshold: 0.37,
  metrics: { training: { rows: 1000, frauds: 12, averagePrecision: 0.5, precision: 0.6, recall: 0.4, f1: 0.48 }, test: null },
  booster: {
    learner: {
      feature_names: ['count_1d', 'amount'],
      learner_model_param: { base_score: '1E-1', num_class: '0', num_feature: '2' },
      objective: { name: 'binary:logistic' },
      gradient_booster: { name: 'gbtree', model: { trees: [tree] } },
    },
  },
};

/** `file` with the value at `at` replaced (a path of keys and indices). */
function withValue(file: unknown, at: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(file) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = value;
  return copy;
}

const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const notANumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const notAProbability = fc.oneof(fc.double({ min: 1.000001, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: -0.000001, noNaN: true }), notANumber);

/** Places a file can go wrong, each with values that are wrong there, and the path the refusal must name. */
const mistakes: fc.Arbitrary<{ at: (string | number)[]; value: unknown; names: string }> = fc.oneof(
  fc.oneof(notAString, fc.string().filter((s) => s !== 'vigie-fraud-model')).map((value) => ({ at: ['format'], value, names: 'format' })),
  fc.oneof(notANumber, fc.integer().filter((n) => n !== 1)).map((value) => ({ at: ['formatVersion'], value, names: 'formatVersion' })),
  fc.oneof(notAString, fc.constant('')).map((value) => ({ at: ['version'], value, names: 'version' })),
  fc.oneof(notAString, fc.string().filter((s) => s !== 'xgboost')).map((value) => ({ at: ['learner', 'name'], value, names: 'learner.name' })),
  notAProbability.map((value) => ({ at: ['threshold'], value, names: 'threshold' })),
  fc.oneof(notAString, fc.string().filter((s) => !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(s))).map((value) => ({ at: ['features', 1], value, names: 'features.1' })),
  fc.constantFrom('amount', 'count_1d').map((value) => ({ at: ['features', 1], value: value === 'amount' ? 'count_1d' : 'count_1d', names: 'features.1' })),
  fc.stringMatching(/^[a-z]{1,8}$/).filter((s) => s !== 'amount').map((value) => ({ at: ['features', 1], value: `x_${value}`, names: 'features.1' })),
  fc.oneof(notAString.filter((v) => v !== null), fc.constantFrom('7 days', 'week', '-1d', 'd7')).map((value) => ({ at: ['labelDelay'], value, names: 'labelDelay' })),
  fc.oneof(notAString, fc.constantFrom('yesterday', '2026-13-01T00:00:00Z', '2026-01-01')).map((value) => ({ at: ['trainingWindow', 'from'], value, names: 'trainingWindow.from' })),
  fc.constantFrom('2025-12-31T00:00:00Z').map((value) => ({ at: ['trainingWindow', 'to'], value, names: 'trainingWindow.to' })),
  fc.oneof(notANumber, fc.integer({ max: -1 }), fc.double({ min: 0.1, max: 0.9 })).map((value) => ({ at: ['trainingWindow', 'rows'], value, names: 'trainingWindow.rows' })),
  notAProbability.map((value) => ({ at: ['metrics', 'training', 'precision'], value, names: 'metrics.training.precision' })),
  fc.oneof(notAString, fc.constant({ aggregate: 'median' })).map((value) => ({ at: ['featureRules', 0, 'value'], value, names: 'featureRules.0.value' })),
  fc.constantFrom('amount').map((value) => ({ at: ['featureRules', 0, 'id'], value, names: 'featureRules.1.id' })),
  fc.constantFrom('3', '5').map((value) => ({ at: ['booster', 'learner', 'learner_model_param', 'num_feature'], value, names: 'booster.learner.learner_model_param.num_feature' })),
  fc.constantFrom('multi:softmax', 'reg:squarederror').map((value) => ({ at: ['booster', 'learner', 'objective', 'name'], value, names: 'booster.learner.objective.name' })),
  fc.constantFrom([1, -1], [], [2, -1, -1]).map((value) => ({ at: ['booster', 'learner', 'gradient_booster', 'model', 'trees', 0, 'left_children'], value, names: 'booster.learner.gradient_booster.model.trees.0' })),
  fc.constant(['amount', 'count_1d']).map((value) => ({ at: ['booster', 'learner', 'feature_names'], value, names: 'booster.learner.feature_names.0' })),
  fc.oneof(notAString, fc.constant([])).map((value) => ({ at: ['booster'], value, names: 'booster' })),
);

describe('the model file', () => {
  it('reads a valid file', () => {
    expect(checkModelFile(valid)).toEqual({ ok: true, value: valid });
    const model = readFraudModel(JSON.stringify(valid));
    expect(model.version).toBe(valid.version);
    expect(model.features).toEqual(['count_1d', 'amount']);
    expect(model.score({ count_1d: 1, amount: 5 })).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(1 / 9) - 0.5))), 6);
    expect(model.score({ count_1d: null, amount: null })).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(1 / 9) - 0.5))), 6);
    expect(model.score({ count_1d: 1, amount: 50 })).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(1 / 9) + 0.5))), 6);
  });

  it('refuses a generated invalid file naming the path of what is wrong', () => {
    fc.assert(
      fc.property(mistakes, ({ at, value, names }) => {
        const file = withValue(valid, at, value);
        let reason: string;
        try {
          readFraudModel(file as object);
          reason = '(read)';
        } catch (error) {
          expect(error).toBeInstanceOf(VigieError);
          expect((error as VigieError).code).toBe('FILE_INVALID');
          reason = (error as Error).message;
        }
        expect(reason).toContain(`not a vigie fraud model: ${names}`);
      }),
      { numRuns: 300 },
    );
  });

  it('names the file it cannot read or parse', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigie-model-'));
    try {
      const file = path.join(dir, 'model.json');
      expect(() => readFraudModel(file)).toThrow(`cannot read the model file: ENOENT (file=${file})`);
      writeFileSync(file, '{ "format": ');
      expect(() => readFraudModel(file)).toThrow(new RegExp(`not a vigie fraud model: not JSON: .* \\(file=${file.replaceAll('/', '\\/')}\\)`));
      writeFileSync(file, JSON.stringify({ ...valid, threshold: 3 }));
      expect(() => readFraudModel(file)).toThrow(`not a vigie fraud model: threshold: Too big: expected number to be <=1 (file=${file})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
