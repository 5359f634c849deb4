/**
 * The fraud model file `vigie train fraud` writes and `detect transactions --model` reads: one
 * JSON file holding the model's inputs (feature names, in order, and the rules of the rule
 * language that compute them), how and on what it was trained, the threshold chosen on the
 * training part, its metrics, and the learner's own model (XGBoost's JSON, as saved). Every
 * refusal names the path of what is wrong ("featureRules.2.value: ...", "threshold: ...").
 */
import { z } from 'zod';
import { type Checked, Rule, checkJson, parseDuration } from '../rules/schema.ts';

export const MODEL_FORMAT = 'vigie-fraud-model';
export const MODEL_FORMAT_VERSION = 1;

/** Figures of a model on a part of the data, at its threshold. */
export const ModelMetrics = z.strictObject({
  rows: z.number().int().min(0),
  frauds: z.number().int().min(0),
  averagePrecision: z.number().min(0).max(1).nullable(),
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  f1: z.number().min(0).max(1),
});
export type ModelMetrics = z.infer<typeof ModelMetrics>;

const FeatureName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a feature name such as amount or customer_count_1d');

export const FraudModelFile = z
  .strictObject({
    format: z.literal(MODEL_FORMAT),
    formatVersion: z.literal(MODEL_FORMAT_VERSION),
    /** Unique: the training time and a short hash of the content. */
    version: z.string().min(1).max(200),
    learner: z.strictObject({
      name: z.literal('xgboost'),
      version: z.string().min(1),
      params: z.record(z.string(), z.unknown()),
    }),
    /** The model's inputs, in the order of the learner's columns. */
    features: z.array(FeatureName).min(1),
    /** The rules that compute the features (each names one with `feature`). */
    featureRules: z.array(Rule),
    /** How long after a transaction its label is known (`7d`), null when labels are not read. */
    labelDelay: z
      .string()
      .refine((text) => parseDuration(text) !== undefined, 'expected a duration such as 7d, 12h')
      .nullable(),
    trainingWindow: z.strictObject({
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      rows: z.number().int().min(0),
      frauds: z.number().int().min(0),
    }),
    /** A transaction whose probability is at or above it is flagged; chosen on the training part only. */
    threshold: z.number().min(0).max(1),
    /**
     * On the training part (in sample), on its last part kept for the threshold (`validation`,
     * out of sample, when the trainer kept one) and on the test part (null without one).
     */
    metrics: z.strictObject({ training: ModelMetrics, validation: ModelMetrics.optional(), test: ModelMetrics.nullable() }),
    /** XGBoost's JSON model, as `booster.save_model('m.json')` writes it. */
    booster: z.record(z.string(), z.unknown()),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.features.forEach((name, i) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['features', i], message: `${name} is listed twice` });
      seen.add(name);
    });
    const computed = new Set(file.featureRules.map((rule) => rule.feature).filter((name) => name !== undefined));
    file.features.forEach((name, i) => {
      if (!computed.has(name)) ctx.addIssue({ code: 'custom', path: ['features', i], message: `no rule of featureRules computes ${name}` });
    });
    const ids = new Set<string>();
    file.featureRules.forEach((rule, i) => {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['featureRules', i, 'id'], message: `a second rule with the id ${rule.id}` });
      ids.add(rule.id);
    });
    if (Date.parse(file.trainingWindow.from) > Date.parse(file.trainingWindow.to)) {
      ctx.addIssue({ code: 'custom', path: ['trainingWindow', 'to'], message: 'before trainingWindow.from' });
    }
  });
export type FraudModelFile = z.infer<typeof FraudModelFile>;

/** `json` (text or parsed) as a model file, or the reason it is not one, naming the path of what is wrong. */
export function checkModelFile(json: unknown): Checked<FraudModelFile> {
  return checkJson(FraudModelFile, json, '(the model file)');
}
