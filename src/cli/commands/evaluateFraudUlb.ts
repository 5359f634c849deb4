/**
 * `vigie evaluate fraud ulb`: ULB's credit-card transactions fetched (once, into .vigie/data/ulb),
 * cut by time (the first 70 % by `Time` to train on, the last 30 % to test), a model trained by
 * `vigie train fraud` on the first part with the feature rules of `rules/ulb-features.json`, and
 * its figures on the second beside the amount rule's and the published anchors'; a
 * precision–recall picture; `--json`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fromUlbCsv } from '../../adapters/ulb.ts';
import type { FraudEvaluation } from '../../evaluation/evaluateFraud.ts';
import { ULB_ANCHORS, ULB_PARAMS, ULB_TARGET, type UlbEvaluation, evaluateUlb } from '../../evaluation/evaluateUlb.ts';
import { readFraudModel } from '../../models/index.ts';
import { readRuleFile } from '../../rules/ruleFile.ts';
import { progress } from '../progress.ts';
import { TRAIN_REQUIREMENTS, trainFraud } from '../trainFraud.ts';
import { ULB_FRAUDS, ULB_ROWS, ulbCsv } from '../ulbData.ts';
import { ensureVirtualenv } from '../virtualenv.ts';
import { TABLE_HEADER, methodJson, tableRow } from './evaluateFraudHeldOut.ts';
import { params } from './train.ts';

const packageRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
/** ULB's feature rules: V1..V28 and the amount, each read as it is. */
export const ULB_FEATURE_RULES = path.join(packageRoot, 'rules', 'ulb-features.json');

export interface EvaluateFraudUlbOptions {
  readonly json?: boolean;
  /** Where the picture and the model file go. */
  readonly out: string;
  /** `key=value` over {@link ULB_PARAMS}. */
  readonly param: readonly string[];
  /** Where the data (`data/ulb`), the virtualenv (`venv-train`) and the work files go. */
  readonly dataDir: string;
  readonly amountLimitXaf: number;
}

/**
 * The command's work: fetch, cut, train (`trainFraud` on the training file, all of it the
 * training part: its last 20 % chooses the rounds and the threshold), score, report.
 *
 * @param writePicture the fraud command's writer of the precision–recall picture.
 */
export async function evaluateFraudUlb(options: EvaluateFraudUlbOptions, writePicture: (result: FraudEvaluation, out: string, title: string) => Promise<string[]>): Promise<void> {
  const venv = path.join(options.dataDir, 'venv-train');
  let python: string | undefined;
  const ensurePython = async (): Promise<string> => (python ??= await ensureVirtualenv(venv, TRAIN_REQUIREMENTS, 'vigie evaluate'));
  const csv = await ulbCsv(path.join(options.dataDir, 'data', 'ulb'), ensurePython);
  const work = path.join(options.dataDir, 'data', 'ulb', 'split');
  await mkdir(work, { recursive: true });
  await mkdir(options.out, { recursive: true });
  const modelFile = path.join(options.out, 'ulb-model.json');
  const bar = progress('evaluate fraud ulb: test rows scored');
  const evaluation = await evaluateUlb(csv, {
    dir: work,
    amountLimitXaf: options.amountLimitXaf,
    onProgress: (n) => bar.update(n),
    train: async (trainCsv) => {
      const trained = await trainFraud({
        labelled$: fromUlbCsv(trainCsv),
        featureRules: readRuleFile(ULB_FEATURE_RULES),
        split: { fraction: 1 },
        labelDelay: null,
        params: { ...ULB_PARAMS, ...params(options.param) },
        workDir: options.dataDir,
        out: modelFile,
        python: await ensurePython(),
      });
      console.error(`evaluate fraud ulb: model ${trained.file.version} written to ${modelFile}, threshold ${trained.file.threshold} (chosen on the last 20 % of the training part)`);
      return readFraudModel(modelFile);
    },
  });
  bar.finish();
  const { split } = evaluation;
  if (split.train.rows + split.test.rows !== ULB_ROWS || split.train.frauds + split.test.frauds !== ULB_FRAUDS) {
    throw new Error(`evaluate fraud ulb: ${split.train.rows + split.test.rows} rows and ${split.train.frauds + split.test.frauds} frauds read, not ULB's ${ULB_ROWS} and ${ULB_FRAUDS}`);
  }
  const written = await writePicture(evaluation.result, options.out, `ULB, last 30 % by time: precision–recall (${split.test.rows} transactions, ${split.test.frauds} frauds)`);
  console.error(`written: ${[modelFile, ...written].join(', ')}`);
  console.log(options.json ? JSON.stringify(ulbJson(evaluation)) : ulbTables(evaluation));
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Whether the model reaches the issue's target on the test part. */
export function ulbTargetMet(evaluation: UlbEvaluation): { averagePrecision: boolean; f1: boolean } {
  const model = evaluation.result.methods['model']!;
  return { averagePrecision: model.averagePrecision >= ULB_TARGET.averagePrecision, f1: model.f1 >= ULB_TARGET.f1 };
}

/** Why the rule set has no row of its own on ULB: only its amount rule has anything to read. */
export const ULB_RULES_NOT_APPLICABLE =
  "n/a: ULB has no account, card, terminal, place or balance, so of the default rule set only the amount rule reads anything, and alone it is the prototype's row";

/**
 * The `--json` object: the split, each method's figures (no curve, no card precision), the target
 * and anchors. `prototype` is the amount rule at the prototype's 10 000 XAF in euros (also under
 * `amount`, its earlier name); `rules` is null, with the reason in `rulesNotApplicable`.
 */
export function ulbJson(evaluation: UlbEvaluation): object {
  const { split, model, amountLimitEur, result } = evaluation;
  const part = (p: UlbEvaluation['split']['train']) => ({ file: p.file, rows: p.rows, frauds: p.frauds, from: iso(p.from), to: iso(p.to) });
  const prototype = { ...methodJson(result.methods['amount']!, `${amountLimitEur} EUR`, false), amountLimitEur };
  return {
    dataset: 'ulb',
    split: { by: 'Time', train: part(split.train), test: part(split.test) },
    model,
    methods: { model: methodJson(result.methods['model']!, model.threshold, false), rules: null, prototype, amount: prototype },
    rulesNotApplicable: ULB_RULES_NOT_APPLICABLE,
    cardPrecisionAt100: 'n/a: ULB has no card or account id',
    target: { ...ULB_TARGET, met: ulbTargetMet(evaluation) },
    anchors: ULB_ANCHORS,
  };
}

/** The report as Markdown: the split, a table of the model, the rules and the prototype, the target, the anchors. */
export function ulbTables(evaluation: UlbEvaluation): string {
  const { split, model, amountLimitEur, result } = evaluation;
  const na = ULB_RULES_NOT_APPLICABLE.slice('n/a: '.length);
  const met = ulbTargetMet(evaluation);
  const mark = (ok: boolean): string => (ok ? 'reached' : 'NOT reached');
  return [
    `ULB credit-card transactions, split by Time: trained on the first ${split.train.rows} rows (${split.train.frauds} frauds, ${iso(split.train.from)} to ${iso(split.train.to)}), ` +
      `tested on the last ${split.test.rows} (${split.test.frauds} frauds, ${iso(split.test.from)} to ${iso(split.test.to)}); the model's threshold was chosen on the training part only.`,
    '',
    ...TABLE_HEADER,
    tableRow(`model ${model.version}`, String(model.threshold), result.methods['model']!, false),
    `| rules (the default set) | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |`,
    tableRow("prototype (the amount rule at 10 000 XAF)", `amount > ${amountLimitEur} EUR`, result.methods['amount']!, false),
    '',
    `target on the last 30 %: average precision >= ${ULB_TARGET.averagePrecision} ${mark(met.averagePrecision)}, F1 >= ${ULB_TARGET.f1} ${mark(met.f1)}`,
    'card precision@100: n/a (ULB has no card or account id; each row is its own transaction)',
    `rules: ${na}`,
    `anchors (same split): ${ULB_ANCHORS.map((a) => `${a.name} AP ${a.averagePrecision}, F1 ${a.f1}`).join('; ')}`,
    `test rows written to ${path.dirname(split.test.file)}`,
  ].join('\n');
}
