/**
 * What `vigie evaluate fraud cameroon` and `… paysim` share: a labelled CSV cut by time (the
 * first 70 % of its rows, earliest first, to train on; the rest to test), vigie's model trained
 * on the first part exactly as `vigie train fraud` trains it (`trainFraud`, the same split, label
 * delay and parameters: its threshold chosen on the training part only), and on the test part
 * the model beside the rule set and the prototype's rule (amount > 10 000 XAF): average precision,
 * precision, recall and F1 at the threshold, card precision@100; the split stated; the
 * precision–recall curves of all of them on one picture; `--json`.
 *
 * The whole file runs through every method and only the test part is scored
 * (`evaluateFraud`'s `counted`): the rules' and the features' state then holds the history before
 * the test part, as a flow that had run all along would.
 */
import path from 'node:path';
import type { Observable } from 'rxjs';
import type { LabelledTransaction } from '../../adapters/paysim.ts';
import { VigieError } from '../../errors.ts';
import { type FraudEvaluation, type FraudMethod, type MethodFigures, evaluateFraud } from '../../evaluation/evaluateFraud.ts';
import { modelMethod } from '../../evaluation/modelMethod.ts';
import { readFraudModel } from '../../models/index.ts';
import type { ModelMetrics } from '../../models/modelFile.ts';
import { type RuleName, judgeRules } from '../../operators/rules/index.ts';
import type { Rule } from '../../rules/schema.ts';
import { progress } from '../progress.ts';
import { type TrainedFraudModel, trainFraud } from '../trainFraud.ts';
import { labelDelayOptions, params } from './train.ts';

/** The share of the rows, earliest first, the model is trained on: `vigie train fraud`'s default. */
export const TRAIN_FRACTION = 0.7;

/** A model to train and score: its name in the tables, its feature rules, the stream it trains on. */
export interface ModelVariant {
  readonly name: string;
  readonly featureRules: readonly Rule[];
  readonly labelled: () => Observable<LabelledTransaction>;
  /** Where its model file is written. */
  readonly file: string;
}

/** What the command line gives `evaluate fraud cameroon` and `… paysim` alike. */
export interface HeldOutCommandOptions {
  /** The rule set (`--rules`), its amount limit (`--amount-limit`, XAF) and allowed lateness. */
  readonly rules: readonly RuleName[];
  readonly amountLimitXaf: number;
  readonly allowedLatenessMs: number;
  /** `--param key=value` over train/fraud.py's defaults. */
  readonly param: readonly string[];
  /** Where the virtualenv (`venv-train`) and the training's work files go. */
  readonly dataDir: string;
  readonly out: string;
  readonly json?: boolean;
}

export interface HeldOutOptions extends HeldOutCommandOptions {
  /** `cameroon`, `paysim`: the JSON's `dataset` and the picture's title. */
  readonly dataset: string;
  /** What the split is by, in words (`timestamp`, `step`). */
  readonly splitBy: string;
  /** The stream every method is scored on (each variant's stream is a view of it). */
  readonly labelled: () => Observable<LabelledTransaction>;
  readonly variants: readonly ModelVariant[];
}

/** One side of the cut, from the training's feature matrix (which holds every row in order). */
export interface HeldOutPart {
  readonly rows: number;
  readonly frauds: number;
  readonly from: string;
  readonly to: string;
}

export interface HeldOutEvaluation {
  readonly dataset: string;
  readonly split: { readonly by: string; readonly fraction: number; readonly train: HeldOutPart; readonly test: HeldOutPart };
  /** Per variant: its model file, version, threshold and train/fraud.py's own test figures. */
  readonly models: Readonly<Record<string, { readonly file: string; readonly version: string; readonly threshold: number; readonly test: ModelMetrics | null }>>;
  /** What each method's threshold is, in words. */
  readonly thresholds: Readonly<Record<string, string>>;
  readonly result: FraudEvaluation;
}

/** The prototype's rule: the amount rule alone, at the amount limit. */
export const PROTOTYPE = 'prototype';
/** The rule set the live flow runs (`--rules`). */
export const RULES = 'rules';

/** Trains each variant, then scores every method on the test part (module doc). */
export async function evaluateHeldOut(options: HeldOutOptions): Promise<HeldOutEvaluation> {
  const trained: [ModelVariant, TrainedFraudModel][] = [];
  for (const variant of options.variants) {
    const delay = labelDelayOptions(variant.featureRules, undefined);
    // scoring replays transactions only: a feature that reads labels would count none
    if (delay.labelDelay !== null) throw new VigieError('CONFIG_INVALID', `${variant.name}: its feature rules read labels (fraudLabels), which evaluate fraud ${options.dataset} does not merge into the test part's stream`);
    console.error(`evaluate fraud ${options.dataset}: training ${variant.name} on the first ${TRAIN_FRACTION * 100} % by ${options.splitBy} (vigie train fraud)`);
    const model = await trainFraud({
      labelled$: variant.labelled(),
      featureRules: variant.featureRules,
      split: { fraction: TRAIN_FRACTION },
      ...delay,
      params: params(options.param),
      workDir: options.dataDir,
      out: variant.file,
    });
    trained.push([variant, model]);
  }
  const { matrix, trainRows } = trained[0]![1];
  const part = (start: number, end: number): HeldOutPart => ({
    rows: end - start,
    frauds: matrix.labels.subarray(start, end).reduce((n, l) => n + l, 0),
    from: new Date(matrix.times[start]!).toISOString(),
    to: new Date(matrix.times[end - 1]!).toISOString(),
  });
  const rulesOptions = { amount: { limits: { XAF: options.amountLimitXaf } }, allowedLatenessMs: options.allowedLatenessMs };
  const methods: Record<string, FraudMethod> = {};
  const thresholds: Record<string, string> = {};
  const models: Record<string, HeldOutEvaluation['models'][string]> = {};
  for (const [variant, { file }] of trained) {
    methods[variant.name] = modelMethod(readFraudModel(variant.file));
    thresholds[variant.name] = `probability >= ${file.threshold}`;
    models[variant.name] = { file: variant.file, version: file.version, threshold: file.threshold, test: file.metrics.test };
  }
  methods[RULES] = judgeRules({ ...rulesOptions, rules: options.rules });
  thresholds[RULES] = `any of ${options.rules.join(', ')} fires`;
  methods[PROTOTYPE] = judgeRules({ ...rulesOptions, rules: ['amount'] });
  thresholds[PROTOTYPE] = `amount > ${options.amountLimitXaf} XAF`;
  const bar = progress(`evaluate fraud ${options.dataset}: rows replayed, the last ${matrix.rows - trainRows} scored`);
  const result = await evaluateFraud(options.labelled(), methods, {
    allowedLatenessMs: options.allowedLatenessMs,
    counted: (_, index) => index >= trainRows,
    onProgress: (n) => bar.update(n),
  });
  bar.finish();
  if (result.rows !== matrix.rows - trainRows) throw new Error(`evaluate fraud ${options.dataset}: ${result.rows} test rows scored, the training's matrix has ${matrix.rows - trainRows}`);
  return {
    dataset: options.dataset,
    split: { by: options.splitBy, fraction: TRAIN_FRACTION, train: part(0, trainRows), test: part(trainRows, matrix.rows) },
    models,
    thresholds,
    result,
  };
}

/** What a row of the four evaluate fraud commands' table holds. */
export type TableFigures = Pick<MethodFigures, 'averagePrecision' | 'precision' | 'recall' | 'f1' | 'cardPrecisionAt100' | 'tp' | 'fp' | 'fn' | 'tn'>;

/** One method's figures as the four evaluate fraud commands give them in JSON. */
export function methodJson(m: TableFigures, threshold: string | number, cardPrecision = true): object {
  return {
    threshold,
    averagePrecision: m.averagePrecision,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    cardPrecisionAt100: cardPrecision ? m.cardPrecisionAt100 : null,
    tp: m.tp,
    fp: m.fp,
    fn: m.fn,
    tn: m.tn,
  };
}

/** The `--json` object: the split, the models, each method's figures (no curve). */
export function heldOutJson(evaluation: HeldOutEvaluation): object {
  const { dataset, split, models, thresholds, result } = evaluation;
  return {
    dataset,
    split,
    models,
    methods: Object.fromEntries(Object.entries(result.methods).map(([name, m]) => [name, methodJson(m, thresholds[name]!)])),
  };
}

/** The header of the table the four evaluate fraud commands print. */
export const TABLE_HEADER = [
  '| method | threshold | average precision | precision | recall | F1 | card precision@100 | TP | FP | FN | TN |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
] as const;

/** A row of that table; `cardPrecision` false prints n/a (no card to count). */
export function tableRow(name: string, threshold: string, m: TableFigures, cardPrecision = true): string {
  const f = (x: number): string => x.toFixed(4);
  return `| ${name} | ${threshold} | ${f(m.averagePrecision)} | ${f(m.precision)} | ${f(m.recall)} | ${f(m.f1)} | ${cardPrecision ? f(m.cardPrecisionAt100) : 'n/a'} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} |`;
}

/** The report as Markdown: the split, then the table. */
export function heldOutTables(evaluation: HeldOutEvaluation, notes: readonly string[] = []): string {
  const { dataset, split, models, thresholds, result } = evaluation;
  const label = (name: string): string => (name in models ? `${name} ${models[name]!.version}` : name === PROTOTYPE ? "prototype (the amount rule alone)" : name === RULES ? 'rules (the default set)' : name);
  return [
    `${dataset}, split by ${split.by}: trained on the first ${split.train.rows} rows (${split.train.frauds} frauds, ${split.train.from} to ${split.train.to}), ` +
      `tested on the last ${split.test.rows} (${split.test.frauds} frauds, ${split.test.from} to ${split.test.to}); the model's threshold was chosen on the training part only (its last 20 %).`,
    '',
    ...TABLE_HEADER,
    ...Object.entries(result.methods).map(([name, m]) => tableRow(label(name), thresholds[name]!, m)),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}

/** Where a variant's model file goes in `out`. */
export const modelFileIn = (out: string, name: string): string => path.join(out, `${name}.json`);
