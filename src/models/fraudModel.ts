/**
 * A fraud model read from its file: its feature rules as a rule book (to run beside the rules
 * with `ruleFeatures` / `judgeByRules(book, { features: true })`), and a scorer of the features
 * those rules compute, compiled once (see ./treeEnsemble.ts). Scoring allocates nothing: the row
 * is written into one Float64Array the model keeps.
 */
import { readFileSync } from 'node:fs';
import { VigieError } from '../errors.ts';
import { RuleBook } from '../rules/ruleBook.ts';
import { type FraudModelFile, checkModelFile } from './modelFile.ts';
import { TreeEnsemble } from './treeEnsemble.ts';

/** Feature values by name; null (or absent) is a missing value, XGBoost's NaN: the default branch. */
export type FeatureValues = Readonly<Record<string, number | null | undefined>>;

/** One feature's part in a score (TreeSHAP, log-odds). */
export interface Contribution {
  readonly feature: string;
  readonly value: number | null;
  readonly contribution: number;
}

export interface FraudModel {
  /** The model file's version (unique per training). */
  readonly version: string;
  /** The model's inputs, in order. */
  readonly features: readonly string[];
  /** A probability at or above it flags the transaction. */
  readonly threshold: number;
  /** The rules that compute the features, from the start of time. */
  readonly featureBook: RuleBook;
  /** The whole file (training window, metrics, learner). */
  readonly file: FraudModelFile;
  /** The probability of fraud (0..1), as XGBoost's `predict`. */
  score(features: FeatureValues): number;
  /** The margin (log-odds), as XGBoost's `predict(output_margin=True)`. */
  margin(features: FeatureValues): number;
  /** Each feature's contribution (log-odds, XGBoost's `pred_contribs`), largest |contribution| first. */
  contributions(features: FeatureValues): Contribution[];
  /** The expected margin the contributions start from (XGBoost's bias column). */
  readonly bias: number;
}

/**
 * The model of a file: a path, its JSON text, or the parsed JSON. FILE_INVALID naming the file
 * and the path of what is wrong in it when it is not a model vigie can score.
 */
export function readFraudModel(pathOrJson: string | object): FraudModel {
  let json: unknown = pathOrJson;
  let where = '(given JSON)';
  if (typeof pathOrJson === 'string' && !pathOrJson.trimStart().startsWith('{')) {
    where = pathOrJson;
    try {
      json = readFileSync(pathOrJson, 'utf8');
    } catch (error) {
      throw new VigieError('FILE_INVALID', `cannot read the model file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: { file: where } });
    }
  }
  const checked = checkModelFile(json);
  if (!checked.ok) throw new VigieError('FILE_INVALID', `not a vigie fraud model: ${checked.reason}`, { where: { file: where } });
  try {
    return compile(checked.value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new VigieError('FILE_INVALID', `not a vigie fraud model: ${error.message}`, { where: { file: where }, cause: error });
  }
}

function compile(file: FraudModelFile): FraudModel {
  let ensemble: TreeEnsemble;
  try {
    ensemble = TreeEnsemble.fromXGBoost(file.booster);
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`booster.${error.message}`);
    throw error;
  }
  const { features } = file;
  if (ensemble.featureCount !== features.length) {
    throw new RangeError(`booster.learner.learner_model_param.num_feature: ${ensemble.featureCount} columns, features lists ${features.length}`);
  }
  const names = (file.booster as { learner?: { feature_names?: unknown } }).learner?.feature_names;
  if (Array.isArray(names) && names.length > 0) {
    const differs = names.findIndex((name, i) => name !== features[i]);
    if (differs >= 0) throw new RangeError(`booster.learner.feature_names.${differs}: ${String(names[differs])}, features.${differs} is ${features[differs]}`);
  }
  let featureBook: RuleBook;
  try {
    featureBook = RuleBook.of(file.featureRules, `model ${file.version}`);
  } catch (error) {
    throw new RangeError(`featureRules: ${(error as Error).message}`);
  }
  const row = new Float64Array(features.length);
  const fill = (values: FeatureValues): Float64Array => {
    for (let i = 0; i < features.length; i++) {
      const v = values[features[i]!];
      row[i] = v === null || v === undefined ? Number.NaN : v;
    }
    return row;
  };
  const bias = ensemble.contributions(new Float64Array(features.length).fill(Number.NaN)).bias;
  return {
    version: file.version,
    features,
    threshold: file.threshold,
    featureBook,
    file,
    bias,
    score: (values) => ensemble.probability(fill(values)),
    margin: (values) => ensemble.margin(fill(values)),
    contributions: (values) => {
      const { values: phi } = ensemble.contributions(fill(values));
      return features
        .map((feature, i): Contribution => ({ feature, value: values[feature] ?? null, contribution: phi[i]! }))
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    },
  };
}
