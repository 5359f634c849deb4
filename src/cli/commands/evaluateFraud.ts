/**
 * `vigie evaluate fraud FILE`: a labelled CSV (the simulated bank's or PaySim's) through the
 * rules the live flow runs, each rule alone and the set together, in one pass, scored against the
 * labels: precision, recall and F1 at the rules' limits, average precision and card
 * precision@100 over the score, recall per fraud kind; a precision–recall picture.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { fromLabelledCsv, labelledFormat } from '../../adapters/labelledCsv.ts';
import { type FraudEvaluation, evaluateFraud } from '../../evaluation/evaluateFraud.ts';
import { type RuleName, judgeRules } from '../../operators/rules/index.ts';
import { writeSvgAndPng } from '../../plot/png.ts';
import { prCurvesSvg } from '../../plot/prCurves.ts';
import { addSettingOptions, resolveSettings } from '../config.ts';
import { fail } from '../fail.ts';
import { progress } from '../progress.ts';
import { transactionSettings } from './detect.ts';
import { evaluateFraudHandbook } from './evaluateFraudHandbook.ts';
import { evaluateFraudUlb } from './evaluateFraudUlb.ts';
import { CAMEROON_DEFAULTS, evaluateFraudCameroon } from './evaluateFraudCameroon.ts';
import { PAYSIM_DEFAULT_FILE, evaluateFraudPaysim } from './evaluateFraudPaysim.ts';
import { VigieError } from '../../errors.ts';

/** What `--rules`, `--amount-limit` and `--allowed-lateness` mean for `detect transactions`, they mean here. */
const settings = {
  rules: transactionSettings.rules,
  amountLimit: transactionSettings.amountLimit,
  allowedLateness: transactionSettings.allowedLateness,
};

interface FraudOptions {
  readonly json?: boolean;
  readonly out: string;
  /** `ulb` only: XGBoost parameters over the ULB ones. */
  readonly param: string[];
  /** `ulb` only: where the data, the virtualenv and the work files go. */
  readonly dataDir: string;
  /** `handbook` only: which simulated draws. */
  readonly seeds: string;
  /** `handbook` only: a Python with the Handbook's requirements, instead of the virtualenv made for it. */
  readonly python?: string;
  /** `cameroon` only: the simulated bank's seed, size and days. */
  readonly seed: string;
  readonly customers: string;
  readonly terminals: string;
  readonly days: string;
}

export function registerEvaluateFraud(evaluate: Command): void {
  const command = evaluate
    .command('fraud <file> [data]')
    .description("score the fraud rules (each alone, and the set) on a labelled CSV, the simulated bank's or PaySim's: precision, recall, F1, average precision, card precision@100, recall per fraud kind, and a precision–recall picture; `ulb` for FILE: ULB's credit-card transactions fetched, a model trained on the first 70 % by time and scored on the rest; `handbook` for FILE: vigie's model on the Handbook's protocol beside its five baselines, on simulated draws; `cameroon` for FILE: the cameroon profile simulated, a model trained on the first 70 % by time and scored on the rest beside the rules and the prototype's; `paysim [DATA]` for FILE: the same on PaySim (DATA, by default ${PAYSIM_DEFAULT_FILE}), the model with and without PaySim's balance errors")
    .option('--json', 'print the figures as one JSON object on stdout instead of the tables')
    .option('--out <dir>', 'where the precision–recall picture is written (pr.svg, pr.png)', '.vigie/evaluate')
    .option('--param <key=value>', 'ulb, cameroon, paysim: an XGBoost parameter over the defaults (ulb: over the ULB ones); repeatable', (value: string, all: string[]) => [...all, value], [])
    .option('--data-dir <dir>', 'ulb, cameroon, paysim: where the data (data/ulb, data/cameroon), the virtualenv (venv-train) and the work files go', '.vigie')
    .option('--seed <n>', 'cameroon: the simulated bank\'s seed', CAMEROON_DEFAULTS.seed)
    .option('--customers <n>', 'cameroon: how many customers', CAMEROON_DEFAULTS.customers)
    .option('--terminals <n>', 'cameroon: how many terminals and mobile-money agents', CAMEROON_DEFAULTS.terminals)
    .option('--days <n>', 'cameroon: how many days', CAMEROON_DEFAULTS.days)
    .option('--seeds <list>', "handbook: the simulated draws (1-5, 1,3,...), each .vigie/bench/handbook/SEED.csv, simulated when missing", '1-5')
    .option('--python <path>', "handbook: a Python with bench/handbook/requirements.txt installed (default: the virtualenv .vigie/bench/venv-handbook, made when missing)");
  addSettingOptions(command, settings);
  command.action(async (file: string, data: string | undefined, options: FraudOptions & Record<string, string | undefined>) => {
    try {
      const resolved = resolveSettings(settings, options, process.env) as { rules: RuleName[]; amountLimit: number; allowedLateness: number };
      if (data !== undefined && file !== 'paysim') throw new VigieError('CONFIG_INVALID', `evaluate fraud ${file}: DATA (${data}) is for paysim only`);
      const common = { ...options, rules: resolved.rules, amountLimitXaf: resolved.amountLimit, allowedLatenessMs: resolved.allowedLateness };
      if (file === 'handbook') {
        const { seeds, out, json, python } = options;
        return await evaluateFraudHandbook({ ...common, seeds, dir: '.vigie/bench/handbook', out: join(out, 'handbook'), ...(json ? { json } : {}), ...(python ? { python } : {}) });
      }
      if (file === 'ulb') return await evaluateFraudUlb({ ...options, amountLimitXaf: resolved.amountLimit }, writePicture);
      if (file === 'cameroon') return await evaluateFraudCameroon(common, writePicture);
      if (file === 'paysim') return await evaluateFraudPaysim({ ...common, ...(data === undefined ? {} : { file: data }) }, writePicture);
      const format = labelledFormat(file);
      const rulesOptions = { amount: { limits: { XAF: resolved.amountLimit } }, allowedLatenessMs: resolved.allowedLateness };
      const methods = Object.fromEntries([
        ...resolved.rules.map((rule) => [rule, judgeRules({ ...rulesOptions, rules: [rule] })] as const),
        ['set', judgeRules({ ...rulesOptions, rules: resolved.rules })] as const,
      ]);
      const bar = progress(`evaluate fraud: ${format} rows`);
      const result = await evaluateFraud(fromLabelledCsv(file), methods, { allowedLatenessMs: resolved.allowedLateness, onProgress: (n) => bar.update(n) });
      bar.finish();
      const written = await writePicture(result, options.out);
      console.error(`written: ${written.join(', ')}`);
      console.log(options.json ? JSON.stringify(fraudJson(file, result)) : fraudTables(file, result));
    } catch (error) {
      fail(error);
    }
  });
}

/** The precision–recall curves of every method, as pr.svg (and pr.png) in `out`. */
export async function writePicture(result: FraudEvaluation, out: string, title = `precision–recall of the fraud rules (${result.rows} transactions, ${result.frauds} frauds)`): Promise<string[]> {
  const curves = Object.entries(result.methods).map(([name, m]) => ({ name, points: m.curve, averagePrecision: m.averagePrecision }));
  const svg = prCurvesSvg(curves, title);
  return writeSvgAndPng(svg, out, 'pr');
}

/** The `--json` object: everything but the curves. */
export function fraudJson(file: string, result: FraudEvaluation): object {
  const methods = Object.fromEntries(Object.entries(result.methods).map(([name, { curve: _curve, ...figures }]) => [name, figures]));
  const comparison = result.comparison === undefined ? {} : { comparison: result.comparison };
  return { file, rows: result.rows, frauds: result.frauds, fraudsByKind: result.fraudsByKind, late: result.late, methods, ...comparison };
}

/** Two Markdown tables: the figures per method, then the recall per fraud kind. */
export function fraudTables(file: string, result: FraudEvaluation): string {
  const names = Object.keys(result.methods);
  const f = (x: number): string => x.toFixed(4);
  const lines = [
    `${file}: ${result.rows} transactions, ${result.frauds} frauds${result.late > 0 ? `, ${result.late} late` : ''}`,
    '',
    '| method | precision | recall | F1 | average precision | card precision@100 | TP | FP | FN | TN |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...names.map((name) => {
      const m = result.methods[name]!;
      return `| ${name} | ${f(m.precision)} | ${f(m.recall)} | ${f(m.f1)} | ${f(m.averagePrecision)} | ${f(m.cardPrecisionAt100)} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} |`;
    }),
    '',
    `| fraud kind | frauds | ${names.map((n) => `recall: ${n}`).join(' | ')} |`,
    `| --- | --- | ${names.map(() => '---').join(' | ')} |`,
    ...Object.entries(result.fraudsByKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, n]) => `| ${kind} | ${n} | ${names.map((name) => f(result.methods[name]!.recallByKind[kind] ?? 0)).join(' | ')} |`),
  ];
  return lines.join('\n');
}
