/**
 * `vigie evaluate fraud ulb`: ULB's credit-card transactions fetched (once, into .vigie/data/ulb),
 * cut by time (the first 70 % by `Time` to train on, the last 30 % to test), a model trained by
 * `vigie train fraud` on the first part with the feature rules of `rules/ulb-features.json`, and
 * its figures on the second beside the amount rule's and the published anchors'; a
 * precision–recall picture; `--json`.
 */
import path from 'node:path';
import { type UlbEvaluation, ULB_ANCHORS, ULB_TARGET } from '../../evaluation/evaluateUlb.ts';
import type { MethodFigures } from '../../evaluation/evaluateFraud.ts';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Whether the model reaches the issue's target on the test part. */
export function ulbTargetMet(evaluation: UlbEvaluation): { averagePrecision: boolean; f1: boolean } {
  const model = evaluation.result.methods['model']!;
  return { averagePrecision: model.averagePrecision >= ULB_TARGET.averagePrecision, f1: model.f1 >= ULB_TARGET.f1 };
}

/** The `--json` object: the split, each method's figures (no curve, no card precision), the target and anchors. */
export function ulbJson(evaluation: UlbEvaluation): object {
  const { split, model, amountLimitEur, result } = evaluation;
  const part = (p: UlbEvaluation['split']['train']) => ({ file: p.file, rows: p.rows, frauds: p.frauds, from: iso(p.from), to: iso(p.to) });
  const figures = (m: MethodFigures, threshold: number | string) => ({
    threshold,
    averagePrecision: m.averagePrecision,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    cardPrecisionAt100: null,
    tp: m.tp,
    fp: m.fp,
    fn: m.fn,
    tn: m.tn,
  });
  return {
    dataset: 'ulb',
    split: { by: 'Time', train: part(split.train), test: part(split.test) },
    model,
    methods: {
      model: figures(result.methods['model']!, model.threshold),
      amount: { ...figures(result.methods['amount']!, `${amountLimitEur} EUR`), amountLimitEur },
    },
    cardPrecisionAt100: 'n/a: ULB has no card or account id',
    target: { ...ULB_TARGET, met: ulbTargetMet(evaluation) },
    anchors: ULB_ANCHORS,
  };
}

/** The report as Markdown: the split, a table of the model and the amount rule, the target, the anchors. */
export function ulbTables(evaluation: UlbEvaluation): string {
  const { split, model, amountLimitEur, result } = evaluation;
  const f = (x: number): string => x.toFixed(4);
  const row = (name: string, threshold: string, m: MethodFigures): string =>
    `| ${name} | ${threshold} | ${f(m.averagePrecision)} | ${f(m.precision)} | ${f(m.recall)} | ${f(m.f1)} | n/a | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} |`;
  const met = ulbTargetMet(evaluation);
  const mark = (ok: boolean): string => (ok ? 'reached' : 'NOT reached');
  return [
    `ULB credit-card transactions, split by Time: trained on the first ${split.train.rows} rows (${split.train.frauds} frauds, ${iso(split.train.from)} to ${iso(split.train.to)}), ` +
      `tested on the last ${split.test.rows} (${split.test.frauds} frauds, ${iso(split.test.from)} to ${iso(split.test.to)}); the model's threshold was chosen on the training part only.`,
    '',
    '| method | threshold | average precision | precision | recall | F1 | card precision@100 | TP | FP | FN | TN |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row(`model ${model.version}`, String(model.threshold), result.methods['model']!),
    row("amount rule (the prototype's 10 000 XAF)", `> ${amountLimitEur} EUR`, result.methods['amount']!),
    '',
    `target on the last 30 %: average precision >= ${ULB_TARGET.averagePrecision} ${mark(met.averagePrecision)}, F1 >= ${ULB_TARGET.f1} ${mark(met.f1)}`,
    'card precision@100: n/a (ULB has no card or account id; each row is its own transaction)',
    `anchors (same split): ${ULB_ANCHORS.map((a) => `${a.name} AP ${a.averagePrecision}, F1 ${a.f1}`).join('; ')}`,
    `test rows written to ${path.dirname(split.test.file)}`,
  ].join('\n');
}
