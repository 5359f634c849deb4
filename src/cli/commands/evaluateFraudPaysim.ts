/**
 * `vigie evaluate fraud paysim [FILE]`: PaySim's labelled transactions (by default the first
 * 44 598 rows in ../shared/data/paysim/), cut by `step` (the first 70 % of the rows, earliest
 * first), vigie's model trained twice as `vigie train fraud` trains it: on vigie's features
 * (rules/features.json) and on those plus PaySim's balance errors (rules/paysim-balance-errors.json,
 * computed by the PaySim adapter: the rule language has no difference of fields), and on the last
 * 30 % both beside the rule set and the prototype's rule. The balance errors leak PaySim's
 * simulator (issue 24: F1 0.963 with them, 0.086 without): both are reported, nothing is tuned to
 * them. The data is never committed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fromPaysimCsv } from '../../adapters/paysim.ts';
import { labelledFormat } from '../../adapters/labelledCsv.ts';
import { VigieError } from '../../errors.ts';
import type { FraudEvaluation } from '../../evaluation/evaluateFraud.ts';
import { readRuleFile } from '../../rules/ruleFile.ts';
import { DEFAULT_FEATURE_RULES } from '../trainFraud.ts';
import { type HeldOutCommandOptions, evaluateHeldOut, heldOutJson, heldOutTables, modelFileIn } from './evaluateFraudHeldOut.ts';

const packageRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
/** The two balance-error features, beside rules/features.json's. */
export const BALANCE_ERROR_RULES = path.join(packageRoot, 'rules', 'paysim-balance-errors.json');
/** The head of PaySim that ../shared holds. */
export const PAYSIM_DEFAULT_FILE = '../shared/data/paysim/paysim_head_44598.csv';
export const PAYSIM_FULL =
  "PaySim's full file (6 362 620 rows, 8 213 frauds) is Kaggle's ealaxi/paysim1, PS_20174392719_1491204439457_log.csv: `kaggle datasets download ealaxi/paysim1` (a Kaggle account), unzip it outside the repository and give its path as FILE";
/** The models' names in the table. */
export const WITHOUT = 'model without balance errors';
export const WITH = 'model with balance errors';

export interface EvaluateFraudPaysimOptions extends HeldOutCommandOptions {
  readonly file?: string;
}

/** The command's work: train both models, score them beside the rules and the prototype, report. */
export async function evaluateFraudPaysim(options: EvaluateFraudPaysimOptions, writePicture: (result: FraudEvaluation, out: string, title: string) => Promise<string[]>): Promise<void> {
  const csv = options.file ?? PAYSIM_DEFAULT_FILE;
  if (!existsSync(csv)) {
    throw new VigieError('CONFIG_INVALID', `evaluate fraud paysim: no ${csv}${options.file === undefined ? ' (the default FILE)' : ''}. ${PAYSIM_FULL}`, { where: { file: csv } });
  }
  if (labelledFormat(csv) !== 'paysim') throw new VigieError('FILE_INVALID', `${csv}:1: not PaySim's header (step,type,amount,nameOrig,...)`, { where: { file: csv } });
  const features = readRuleFile(DEFAULT_FEATURE_RULES);
  const out = path.join(options.out, 'paysim');
  const withErrors = () => fromPaysimCsv(csv, { balanceErrors: true });
  const evaluation = await evaluateHeldOut({
    dataset: 'paysim',
    splitBy: 'step',
    labelled: withErrors,
    variants: [
      { name: WITHOUT, featureRules: features, labelled: () => fromPaysimCsv(csv), file: modelFileIn(out, 'model-without-balance-errors') },
      { name: WITH, featureRules: [...features, ...readRuleFile(BALANCE_ERROR_RULES)], labelled: withErrors, file: modelFileIn(out, 'model-with-balance-errors') },
    ],
    ...options,
    out,
  });
  const { test } = evaluation.split;
  const written = await writePicture(evaluation.result, out, `PaySim, last 30 % by step (${test.rows} transactions, ${test.frauds} frauds)`);
  console.error(`written: ${[...Object.values(evaluation.models).map((m) => m.file), ...written].join(', ')}`);
  const notes = [
    `data: ${csv}${options.file === undefined ? ` (the default; ${PAYSIM_FULL})` : ''}`,
    "the balance errors (newbalanceOrig + amount − oldbalanceOrg, oldbalanceDest + amount − newbalanceDest) leak PaySim's simulator (issue 24: F1 0.963 with them, 0.086 without): both models are reported, nothing is tuned to them",
  ];
  console.log(options.json ? JSON.stringify({ ...heldOutJson(evaluation), file: csv, leak: notes[1] }) : heldOutTables(evaluation, notes));
}
