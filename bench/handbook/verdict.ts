/**
 * The verdict of `npm run bench -- handbook` on its seeds' results (bench/handbook/baselines.py's
 * JSON, one per seed): the table beside the Handbook's published figures, and the targets missed.
 *
 * Targets (issue 22): each seed's bank has 1.75-1.80 M transactions and 0.83-0.86 % fraud; each
 * model's mean average precision over the seeds lies within 0.06 of its published figure; and the
 * published order holds on the means, random forest ≳ XGBoost ≳ logistic regression > depth-2 tree
 * > unlimited tree. "≳" allows the first to fall below the second by at most {@link NEAR}: the
 * published gaps are 0.019 and 0.033, within the 0.02-0.05 one simulated draw moves AP by, so the
 * check is that neither model is clearly behind, while ">" is strict (published gaps 0.11, 0.19).
 */

export const MODELS = ['logistic regression', 'decision tree, depth 2', 'decision tree, unlimited', 'random forest', 'xgboost'] as const;
export type Model = (typeof MODELS)[number];

/** The Handbook's average precision per baseline (its chapter 3.4 table). */
export const PUBLISHED_AP: Readonly<Record<Model, number>> = {
  'logistic regression': 0.606,
  'decision tree, depth 2': 0.496,
  'decision tree, unlimited': 0.309,
  'random forest': 0.658,
  xgboost: 0.639,
};
/** The Handbook's card precision@100, across the five baselines: shown, not a target. */
export const PUBLISHED_CARD_PRECISION = '0.24–0.29';
export const MAX_AP_GAP = 0.06;
/** How far below the next model a "≳" model may land (mean AP). */
export const NEAR = 0.02;
export const ROWS = { min: 1_750_000, max: 1_800_000 } as const;
export const FRAUD_RATE = { min: 0.0083, max: 0.0086 } as const;

/** The published order, best first; each pair is "≳" (within NEAR) or ">" (strict). */
const ORDER: readonly { readonly better: Model; readonly worse: Model; readonly strict: boolean }[] = [
  { better: 'random forest', worse: 'xgboost', strict: false },
  { better: 'xgboost', worse: 'logistic regression', strict: false },
  { better: 'logistic regression', worse: 'decision tree, depth 2', strict: true },
  { better: 'decision tree, depth 2', worse: 'decision tree, unlimited', strict: true },
];

export interface ModelScores {
  readonly auc_roc: number;
  readonly average_precision: number;
  readonly card_precision_at_100: number;
}

/** One seed: baselines.py's JSON. */
export interface SeedResult {
  readonly seed: number;
  readonly rows: number;
  readonly fraud_rate: number;
  readonly models: Readonly<Record<Model, ModelScores>>;
}

export interface Verdict {
  readonly table: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
  readonly means: Readonly<Record<Model, number>>;
  readonly failures: readonly string[];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const f3 = (x: number): string => x.toFixed(3);

export function verdict(results: readonly SeedResult[]): Verdict {
  if (results.length === 0) throw new Error('handbook verdict: no seed ran');
  const failures: string[] = [];
  for (const { seed, rows, fraud_rate: rate } of results) {
    if (rows < ROWS.min || rows > ROWS.max) failures.push(`seed ${seed}: ${rows.toLocaleString('en')} transactions, not 1.75–1.80 M`);
    if (rate < FRAUD_RATE.min || rate > FRAUD_RATE.max) failures.push(`seed ${seed}: fraud ${(100 * rate).toFixed(3)} %, not 0.83–0.86 %`);
  }
  const means = {} as Record<Model, number>;
  const rows = MODELS.map((model) => {
    const ap = results.map((r) => r.models[model].average_precision);
    const cp = results.map((r) => r.models[model].card_precision_at_100);
    const auc = results.map((r) => r.models[model].auc_roc);
    means[model] = mean(ap);
    const gap = Math.abs(means[model] - PUBLISHED_AP[model]);
    const within = gap <= MAX_AP_GAP;
    if (!within) failures.push(`${model}: mean AP ${f3(means[model])} is ${f3(gap)} from the published ${PUBLISHED_AP[model]} (at most ${MAX_AP_GAP})`);
    return [
      model,
      String(PUBLISHED_AP[model]),
      f3(means[model]),
      `${f3(Math.min(...ap))}–${f3(Math.max(...ap))}`,
      `${within ? 'yes' : 'NO'} (${f3(gap)})`,
      `${f3(mean(cp))} (${f3(Math.min(...cp))}–${f3(Math.max(...cp))})`,
      f3(mean(auc)),
    ];
  });
  for (const { better, worse, strict } of ORDER) {
    const kept = strict ? means[better] > means[worse] : means[better] >= means[worse] - NEAR;
    if (!kept) failures.push(`order: ${better} (${f3(means[better])}) ${strict ? '>' : '≳'} ${worse} (${f3(means[worse])}) does not hold`);
  }
  return {
    table: {
      header: ['model', 'published AP', `mean AP (${results.length} seeds)`, 'min–max', `within ${MAX_AP_GAP} of published (gap)`, 'card precision@100, mean (min–max)', 'mean AUC ROC'],
      rows,
    },
    means,
    failures,
  };
}
