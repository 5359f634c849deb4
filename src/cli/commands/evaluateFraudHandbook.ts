/**
 * `vigie evaluate fraud handbook`: vigie's model on the Handbook's protocol, beside the Handbook's
 * five baselines, on the same simulated draws (docs/detection-quality.md). Per seed: the bank
 * simulated (`vigie simulate bank --profile handbook`, or the CSV already in `--dir`), replayed
 * through the feature rules (`handbookFeatureRows`: `ruleFeatures`, each fraud's label known 7
 * days after it), XGBoost trained on the training week and scored on the test week the
 * Handbook's way (train/handbook.py), and bench/handbook/baselines.py on the same CSV; beside
 * them the rule set and the prototype's rule (amount > 10 000 XAF, 15.24 EUR: the Handbook's
 * amounts are euros) on the same test week (src/evaluation/handbookRules.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromBankCsv } from '../../adapters/labelledBank.ts';
import { VigieError } from '../../errors.ts';
import type { MethodFigures } from '../../evaluation/evaluateFraud.ts';
import { XAF_PER_EUR } from '../../evaluation/evaluateUlb.ts';
import { featureRowsCsv, handbookFeatureRows } from '../../evaluation/handbookFeatures.ts';
import { handbookRules } from '../../evaluation/handbookRules.ts';
import { type RuleName, judgeRules } from '../../operators/rules/index.ts';
import { writeSvgAndPng } from '../../plot/png.ts';
import { prCurvesSvg } from '../../plot/prCurves.ts';
import { checkRuleSet } from '../../rules/schema.ts';
import { run } from '../command.ts';
import { progress } from '../progress.ts';
import { ensureVirtualenv } from '../virtualenv.ts';
import { PROTOTYPE, RULES, TABLE_HEADER, type TableFigures, methodJson, tableRow } from './evaluateFraudHeldOut.ts';

const packageRoot = resolve(new URL('../../..', import.meta.url).pathname);
const BASELINES = join(packageRoot, 'bench', 'handbook', 'baselines.py');
const REQUIREMENTS = join(packageRoot, 'bench', 'handbook', 'requirements.txt');
const MODEL = join(packageRoot, 'train', 'handbook.py');
const FEATURES = join(packageRoot, 'rules', 'handbook-features.json');
/** The baselines the target is set against: the best of these on the mean. */
const BEST_OF = ['random forest', 'xgboost'] as const;

export interface HandbookOptions {
  readonly seeds: string;
  /** Where the seeds' CSVs are (SEED.csv), simulated when missing; the baselines' results are kept beside them. */
  readonly dir: string;
  readonly out: string;
  readonly features?: string;
  readonly python?: string;
  readonly json?: boolean;
  /** The rule set (`--rules`), the amount limit in XAF (`--amount-limit`, compared in euros) and the allowed lateness. */
  readonly rules: readonly RuleName[];
  readonly amountLimitXaf: number;
  readonly allowedLatenessMs: number;
}

export interface Figures {
  readonly average_precision: number;
  readonly card_precision_at_100: number;
  readonly auc_roc: number;
}
export interface ModelResult extends Figures {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly train: { rows: number; frauds: number };
  readonly test: { rows: number; frauds: number };
  readonly gain: Record<string, number>;
  readonly curve: [number, number][];
  /** The second design on the same features (train/handbook.py): scikit-learn's random forest, measured, not served. */
  readonly random_forest: DesignFigures;
}
/** A design's figures on the test week, its threshold chosen on the training week. */
export interface DesignFigures extends Figures {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly curve: [number, number][];
}
export interface SeedResult {
  readonly seed: number;
  readonly vigie: ModelResult;
  readonly baselines: Record<string, Figures>;
  /** The rule set's and the prototype's figures on the test week. */
  readonly rules: MethodFigures;
  readonly prototype: MethodFigures;
}

/** `1-5`, `1,3,4` → the seeds. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').flatMap((part) => {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (range) return Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i);
    return /^\s*\d+\s*$/.test(part) ? [Number(part)] : [Number.NaN];
  });
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new VigieError('CONFIG_INVALID', `--seeds: expected seeds such as 1-5 or 1,3,4, got "${text}"`, { where: { option: '--seeds' } });
  }
  return [...new Set(seeds)];
}

export async function evaluateFraudHandbook(options: HandbookOptions): Promise<void> {
  const seeds = parseSeeds(options.seeds);
  const featuresFile = options.features ?? FEATURES;
  const ruleSet = checkRuleSet(readFileSync(featuresFile, 'utf8'));
  if (!ruleSet.ok) throw new VigieError('CONFIG_INVALID', `${featuresFile}: ${ruleSet.reason}`, { where: { file: featuresFile } });
  const rules = ruleSet.value.rules;
  const python = options.python ?? (await ensureVirtualenv(join(options.dir, '..', 'venv-handbook'), REQUIREMENTS, 'evaluate fraud handbook'));
  await mkdir(options.dir, { recursive: true });
  await mkdir(options.out, { recursive: true });
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const csv = join(options.dir, `${seed}.csv`);
    if (!existsSync(csv)) await simulate(seed, csv);
    // the CSV's content names what was computed from it: the same draw simulated again reuses them
    const stamp = await contentHash(csv);
    const featureCsv = join(options.out, `${seed}.features.csv`);
    const key = featureKey(rules, stamp);
    if (!cached(featureCsv, key)) {
      const bar = progress(`evaluate fraud handbook: seed ${seed}, records replayed through the feature rules`);
      const rows = await handbookFeatureRows(fromBankCsv(csv), rules, { onProgress: (n) => bar.update(n) });
      bar.finish();
      await writeFile(featureCsv, featureRowsCsv(rows));
      await writeFile(`${featureCsv}.key`, key);
    }
    console.error(`evaluate fraud handbook: seed ${seed}, training and scoring vigie's model`);
    const vigie = await python3<ModelResult>(python, [MODEL, csv, featureCsv], `train/handbook.py on seed ${seed}`);
    // kept beside the CSV, named by its content: the bench's results on the same draw are the same
    const baselinesJson = join(options.dir, `${seed}.baselines.json`);
    let baselines: Record<string, Figures>;
    if (cached(baselinesJson, stamp)) baselines = (JSON.parse(readFileSync(baselinesJson, 'utf8')) as { models: Record<string, Figures> }).models;
    else {
      console.error(`evaluate fraud handbook: seed ${seed}, the Handbook's baselines (bench/handbook/baselines.py)`);
      const out = await python3<{ models: Record<string, Figures> }>(python, [BASELINES, csv], `baselines.py on seed ${seed}`);
      await writeFile(baselinesJson, JSON.stringify(out));
      await writeFile(`${baselinesJson}.key`, stamp);
      baselines = out.models;
    }
    const limitEur = Math.round((options.amountLimitXaf / XAF_PER_EUR) * 100) / 100;
    const rulesOptions = { amount: { limits: { EUR: limitEur } }, allowedLatenessMs: options.allowedLatenessMs };
    const bar = progress(`evaluate fraud handbook: seed ${seed}, records replayed through the rules and the prototype's`);
    const beside = await handbookRules(fromBankCsv(csv), { [RULES]: judgeRules({ ...rulesOptions, rules: options.rules }), [PROTOTYPE]: judgeRules({ ...rulesOptions, rules: ['amount'] }) }, { allowedLatenessMs: options.allowedLatenessMs, onProgress: (n) => bar.update(n) });
    bar.finish();
    results.push({ seed, vigie, baselines, rules: beside.methods[RULES]!, prototype: beside.methods[PROTOTYPE]! });
  }
  const summary = summarise(results);
  const written = await picture(results, options.out);
  console.error(`written: ${written.join(', ')}`);
  const limitEur = Math.round((options.amountLimitXaf / XAF_PER_EUR) * 100) / 100;
  const thresholds = { [RULES]: `any of ${options.rules.join(', ')} fires (amount > ${limitEur} EUR)`, [PROTOTYPE]: `amount > ${limitEur} EUR (${options.amountLimitXaf} XAF)` };
  if (options.json) {
    const seedsJson = results.map(({ vigie: { curve: _c, random_forest: { curve: _f, ...forest }, ...vigie }, rules: r, prototype: p, ...rest }) => ({ ...rest, vigie: { ...vigie, random_forest: forest }, [RULES]: methodJson(r, thresholds[RULES]), [PROTOTYPE]: methodJson(p, thresholds[PROTOTYPE]) }));
    console.log(JSON.stringify({ split: SPLIT, rulesSplit: RULES_SPLIT, features: rules.map((r) => r.feature), seeds: seedsJson, mean: summary }));
  } else console.log(tables(results, summary, thresholds));
}

const SPLIT = 'train 2018-07-25..31, a 7-day gap, test 2018-08-08..14 one day at a time, cards with a known fraud left out (the Handbook\'s)';
const RULES_SPLIT = 'the rules and the prototype: replayed from 2018-06-18 (their history), scored on every transaction of 2018-08-08..14, cards with a known fraud kept (a flow judges them too)';

/** What names a seed's feature rows: the rules that computed them and the CSV's content. */
export function featureKey(rules: readonly unknown[], csvHash: string): string {
  return createHash('sha256').update(JSON.stringify(rules)).update(csvHash).digest('hex').slice(0, 16);
}

export async function contentHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function cached(file: string, key: string): boolean {
  return existsSync(file) && existsSync(`${file}.key`) && readFileSync(`${file}.key`, 'utf8') === key;
}

async function simulate(seed: number, csv: string): Promise<void> {
  console.error(`evaluate fraud handbook: simulating seed ${seed} (vigie simulate bank --profile handbook)`);
  const ran = await run(process.execPath, [...process.execArgv, process.argv[1]!, 'simulate', 'bank', '--profile', 'handbook', '--seed', String(seed), '--out', csv]);
  if (ran.code !== 0) throw new VigieError('SOURCE_FAILED', `vigie simulate bank --seed ${seed} failed (exit ${ran.code}): ${ran.tail}`, { where: { file: csv } });
}

async function python3<T>(python: string, args: string[], what: string): Promise<T> {
  const ran = await run(python, args);
  const line = ran.stdout.trim().split('\n').pop() ?? '';
  if (ran.code !== 0) throw new VigieError('SOURCE_FAILED', `${what} failed (exit ${ran.code}): ${ran.tail}`, { where: { program: args[0]! } });
  return JSON.parse(line) as T;
}

export interface Summary {
  readonly vigie: { average_precision: number; card_precision_at_100: number; precision: number; recall: number; f1: number };
  /** The rule set's and the prototype's means over the seeds, their counts summed. */
  readonly rules: TableFigures;
  readonly prototype: TableFigures;
  readonly baselines: Record<string, { average_precision: number; card_precision_at_100: number }>;
  readonly best: string;
  /** vigie's mean AP − the best baseline's. */
  readonly margin: number;
  /** The random forest on vigie's features: its means, and its mean AP − the best baseline's. */
  readonly forest: { average_precision: number; card_precision_at_100: number; margin: number };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number): number => Math.round(x * 10_000) / 10_000;


function meanFigures(all: readonly MethodFigures[]): TableFigures {
  const m = (f: (x: MethodFigures) => number): number => round(mean(all.map(f)));
  const sum = (f: (x: MethodFigures) => number): number => all.reduce((n, x) => n + f(x), 0);
  return { averagePrecision: m((x) => x.averagePrecision), precision: m((x) => x.precision), recall: m((x) => x.recall), f1: m((x) => x.f1), cardPrecisionAt100: m((x) => x.cardPrecisionAt100), tp: sum((x) => x.tp), fp: sum((x) => x.fp), fn: sum((x) => x.fn), tn: sum((x) => x.tn) };
}

export function summarise(results: readonly SeedResult[]): Summary {
  const names = Object.keys(results[0]!.baselines);
  const baselines = Object.fromEntries(
    names.map((n) => [n, { average_precision: round(mean(results.map((r) => r.baselines[n]!.average_precision))), card_precision_at_100: round(mean(results.map((r) => r.baselines[n]!.card_precision_at_100))) }]),
  );
  const best = [...BEST_OF].sort((a, b) => baselines[b]!.average_precision - baselines[a]!.average_precision)[0]!;
  const v = (f: (m: ModelResult) => number): number => round(mean(results.map((r) => f(r.vigie))));
  const vigie = { average_precision: v((m) => m.average_precision), card_precision_at_100: v((m) => m.card_precision_at_100), precision: v((m) => m.precision), recall: v((m) => m.recall), f1: v((m) => m.f1) };
  const forestAp = round(mean(results.map((r) => r.vigie.random_forest.average_precision)));
  const forest = { average_precision: forestAp, card_precision_at_100: round(mean(results.map((r) => r.vigie.random_forest.card_precision_at_100))), margin: round(forestAp - baselines[best]!.average_precision) };
  return { vigie, rules: meanFigures(results.map((r) => r.rules)), prototype: meanFigures(results.map((r) => r.prototype)), baselines, best, margin: round(vigie.average_precision - baselines[best]!.average_precision), forest };
}

export function tables(results: readonly SeedResult[], summary: Summary, thresholds: Readonly<Record<string, string>>): string {
  const names = Object.keys(summary.baselines);
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `vigie's model on the Handbook's protocol (${SPLIT}); average precision / card precision@100 on the test week`,
    '',
    `| seed | vigie's model | vigie's features, random forest (not served) | ${names.join(' | ')} | rules | prototype | threshold | precision | recall | F1 |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- | --- |`,
    ...results.map(
      (r) =>
        `| ${r.seed} | ${f(r.vigie.average_precision)} / ${f(r.vigie.card_precision_at_100)} | ${f(r.vigie.random_forest.average_precision)} / ${f(r.vigie.random_forest.card_precision_at_100)} | ${names.map((n) => `${f(r.baselines[n]!.average_precision)} / ${f(r.baselines[n]!.card_precision_at_100)}`).join(' | ')} | ` +
        `${f(r.rules.averagePrecision)} / ${f(r.rules.cardPrecisionAt100)} | ${f(r.prototype.averagePrecision)} / ${f(r.prototype.cardPrecisionAt100)} | ${r.vigie.threshold.toFixed(3)} | ${f(r.vigie.precision)} | ${f(r.vigie.recall)} | ${f(r.vigie.f1)} |`,
    ),
    `| mean | ${f(summary.vigie.average_precision)} / ${f(summary.vigie.card_precision_at_100)} | ${f(summary.forest.average_precision)} / ${f(summary.forest.card_precision_at_100)} | ${names.map((n) => `${f(summary.baselines[n]!.average_precision)} / ${f(summary.baselines[n]!.card_precision_at_100)}`).join(' | ')} | ` +
      `${f(summary.rules.averagePrecision)} / ${f(summary.rules.cardPrecisionAt100)} | ${f(summary.prototype.averagePrecision)} / ${f(summary.prototype.cardPrecisionAt100)} | | | | |`,
    '',
    `vigie's mean AP − the best baseline's (${summary.best}): ${summary.margin >= 0 ? '+' : ''}${summary.margin.toFixed(4)} (target +0.03); card precision@100 ${f(summary.vigie.card_precision_at_100)} against ${f(summary.baselines[summary.best]!.card_precision_at_100)}`,
    `the random forest on vigie's features (a second design, measured, not served): ${summary.forest.margin >= 0 ? '+' : ''}${summary.forest.margin.toFixed(4)}; card precision@100 ${f(summary.forest.card_precision_at_100)}`,
    '',
    `The means over the seeds in the four commands' table (${RULES_SPLIT}; counts summed over the seeds, the model's are train/handbook.py's and not counted):`,
    '',
    ...TABLE_HEADER,
    `| vigie's model | chosen per seed on its training week | ${f(summary.vigie.average_precision)} | ${f(summary.vigie.precision)} | ${f(summary.vigie.recall)} | ${f(summary.vigie.f1)} | ${f(summary.vigie.card_precision_at_100)} | - | - | - | - |`,
    tableRow('rules (the default set)', thresholds[RULES]!, summary.rules),
    tableRow('prototype (the amount rule alone)', thresholds[PROTOTYPE]!, summary.prototype),
  ];
  return lines.join('\n');
}

async function picture(results: readonly SeedResult[], out: string): Promise<string[]> {
  const curves = results.map((r) => ({ name: `seed ${r.seed}`, points: r.vigie.curve.map(([recall, precision]) => ({ recall, precision })).reverse(), averagePrecision: r.vigie.average_precision }));
  // the rules' and the prototype's of the first seed: one of each keeps the picture readable
  const first = results[0]!;
  for (const [name, m] of [[RULES, first.rules], [PROTOTYPE, first.prototype]] as const) curves.push({ name: `${name}, seed ${first.seed}`, points: [...m.curve], averagePrecision: m.averagePrecision });
  const svg = prCurvesSvg(curves, "precision–recall on the Handbook's test weeks");
  return writeSvgAndPng(svg, out, 'pr');
}
