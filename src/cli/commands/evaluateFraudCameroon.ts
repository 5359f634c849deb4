/**
 * `vigie evaluate fraud cameroon`: the simulated bank's `cameroon` profile (`vigie simulate bank
 * --profile cameroon`, small by default so that the whole runs in a few minutes on two loaded
 * cores), vigie's model trained on the first 70 % by time as `vigie train fraud` trains it, and
 * on the last 30 % the model beside the rule set and the prototype's rule (evaluateFraudHeldOut.ts).
 * The CSV is simulated when the command runs, kept in `--data-dir` (named by its options: the
 * same options give the same bytes), never committed.
 */
import { existsSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fromBankCsv } from '../../adapters/labelledBank.ts';
import { writeBankCsv } from '../../adapters/simulatedBank/bankCsv.ts';
import { openBank } from '../../adapters/simulatedBank/simulateBank.ts';
import type { FraudEvaluation } from '../../evaluation/evaluateFraud.ts';
import { readRuleFile } from '../../rules/ruleFile.ts';
import { progress } from '../progress.ts';
import { DEFAULT_FEATURE_RULES } from '../trainFraud.ts';
import { type HeldOutCommandOptions, evaluateHeldOut, heldOutJson, heldOutTables, modelFileIn } from './evaluateFraudHeldOut.ts';

/** Small enough for a few minutes on two loaded cores: about 90 000 transactions, 700 frauds. */
export const CAMEROON_DEFAULTS = { seed: '1', customers: '5000', terminals: '1000', days: '30' } as const;

export interface EvaluateFraudCameroonOptions extends HeldOutCommandOptions {
  readonly seed: string;
  readonly customers: string;
  readonly terminals: string;
  readonly days: string;
}

/** The command's work: simulate (or reuse), train, score, report. */
export async function evaluateFraudCameroon(options: EvaluateFraudCameroonOptions, writePicture: (result: FraudEvaluation, out: string, title: string) => Promise<string[]>): Promise<void> {
  const csv = await simulatedCameroon(options, path.join(options.dataDir, 'data', 'cameroon'));
  const out = path.join(options.out, 'cameroon');
  const evaluation = await evaluateHeldOut({
    dataset: 'cameroon',
    splitBy: 'timestamp',
    labelled: () => fromBankCsv(csv),
    variants: [{ name: 'model', featureRules: readRuleFile(DEFAULT_FEATURE_RULES), labelled: () => fromBankCsv(csv), file: modelFileIn(out, 'model') }],
    ...options,
    out,
  });
  const { test } = evaluation.split;
  const written = await writePicture(evaluation.result, out, `cameroon, last 30 % by time (${test.rows} transactions, ${test.frauds} frauds)`);
  console.error(`written: ${[evaluation.models['model']!.file, ...written].join(', ')}`);
  const simulated = `simulated: vigie simulate bank --profile cameroon --seed ${options.seed} --customers ${options.customers} --terminals ${options.terminals} --days ${options.days} (${csv})`;
  console.log(options.json ? JSON.stringify({ ...heldOutJson(evaluation), simulated: { seed: Number(options.seed), customers: Number(options.customers), terminals: Number(options.terminals), days: Number(options.days), file: csv } }) : heldOutTables(evaluation, [simulated]));
}

/** The bank's labelled CSV for these options in `dir`, simulated when it is not there yet. */
export async function simulatedCameroon(options: Pick<EvaluateFraudCameroonOptions, 'seed' | 'customers' | 'terminals' | 'days'>, dir: string): Promise<string> {
  const { seed, customers, terminals, days } = options;
  const bank = openBank({ profile: 'cameroon', seed, customers, terminals, days }, '--');
  const csv = path.join(dir, `seed${seed}-c${customers}-t${terminals}-d${days}.csv`);
  if (existsSync(csv)) return csv;
  await mkdir(dir, { recursive: true });
  const partial = `${csv}.partial`;
  const bar = progress('evaluate fraud cameroon: simulating the bank (days)', { total: bank.options.days });
  const file = createWriteStream(partial);
  const tally = await writeBankCsv(bank, file, (day) => bar.update(day.day + 1));
  file.end();
  await finished(file);
  bar.finish();
  await rename(partial, csv);
  console.error(`evaluate fraud cameroon: simulated ${tally.rows} transactions, ${tally.frauds} frauds into ${csv}`);
  return csv;
}
