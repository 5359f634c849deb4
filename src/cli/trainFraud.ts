/**
 * `vigie train fraud`'s work, apart from its options: labelled history replayed through the
 * feature rules (the serving operator, see src/streams/replayFeatures.ts), the matrix written,
 * XGBoost run on it in its virtualenv (train/fraud.py: the threshold and the number of rounds
 * chosen on the training part only, time-ordered), the model file written, and the model read
 * back and checked: vigie's evaluator must give XGBoost's probability to 1e-6 on every row.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Observable } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { VigieError } from '../errors.ts';
import { type FraudModelFile, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelMetrics } from '../models/modelFile.ts';
import { readFraudModel } from '../models/fraudModel.ts';
import { RuleBook } from '../rules/ruleBook.ts';
import type { Rule } from '../rules/schema.ts';
import { type FeatureMatrix, replayFeatures } from '../streams/replayFeatures.ts';
import { run } from './command.ts';
import { progress } from './progress.ts';
import { ensureVirtualenv } from './virtualenv.ts';

const packageRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const TRAIN_SCRIPT = path.join(packageRoot, 'train', 'fraud.py');
export const TRAIN_REQUIREMENTS = path.join(packageRoot, 'train', 'requirements.txt');
export const DEFAULT_FEATURE_RULES = path.join(packageRoot, 'rules', 'features.json');
/** The most a score of vigie's may differ from XGBoost's on any row. */
export const SCORE_TOLERANCE = 1e-6;

/** Where the training part ends: before an event time, or after a share of the rows (by time). */
export type TrainSplit = { readonly until: number } | { readonly fraction: number };

export interface TrainFraudOptions {
  readonly labelled$: Observable<LabelledTransaction>;
  /** The rules that compute the features (those naming a `feature` are the model's inputs). */
  readonly featureRules: readonly Rule[];
  readonly split: TrainSplit;
  /** How long after a transaction its label is known (`7d`), recorded in the model; null for none. */
  readonly labelDelay: string | null;
  /** XGBoost parameters over train/fraud.py's defaults (and `rounds`, `early_stopping_rounds`). */
  readonly params: Readonly<Record<string, string>>;
  /** Where the matrix, XGBoost's output and the virtualenv go (`venv-train`, `train/`). */
  readonly workDir: string;
  readonly out: string;
  /** The Python with XGBoost; by default the virtualenv in `workDir`, made when missing. */
  readonly python?: string;
  readonly now?: () => Date;
}

export interface TrainedFraudModel {
  readonly file: FraudModelFile;
  readonly out: string;
  readonly matrix: FeatureMatrix;
  readonly trainRows: number;
  /** The largest |vigie's probability − XGBoost's| over every row. */
  readonly largestDifference: number;
  /** XGBoost's probability of every row. */
  readonly predictions: Float64Array;
}

/** Trains a model on `labelled$` and writes its file to `out`. */
export async function trainFraud(options: TrainFraudOptions): Promise<TrainedFraudModel> {
  const book = RuleBook.of(options.featureRules, 'features');
  const replayed = progress('vigie train: rows replayed through the feature rules');
  const matrix = await replayFeatures(options.labelled$, book, { onProgress: (n) => replayed.update(n) });
  replayed.finish();
  if (matrix.names.length === 0) throw new VigieError('CONFIG_INVALID', 'no rule of the feature rules names a feature: the model would have no input');
  const trainRows = splitRows(matrix, options.split);
  const work = path.join(options.workDir, 'train');
  mkdirSync(work, { recursive: true });
  const matrixFile = path.join(work, 'matrix.f64');
  writeMatrix(matrix, matrixFile);

  const python = options.python ?? (await ensureVirtualenv(path.join(options.workDir, 'venv-train'), TRAIN_REQUIREMENTS, 'vigie train'));
  const boosting = progress('vigie train: XGBoost boosting rounds');
  let rounds = 0;
  const args = [TRAIN_SCRIPT, '--matrix', matrixFile, '--columns', String(matrix.names.length), '--train-rows', String(trainRows), '--out', work];
  for (const [key, value] of Object.entries(options.params)) args.push('--param', `${key}=${value}`);
  const ran = await run(python, args, { onLine: (line) => (line.startsWith('round ') ? boosting.update(++rounds) : undefined) });
  boosting.finish();
  if (ran.code !== 0) throw new VigieError('SOURCE_FAILED', `train/fraud.py failed (exit ${ran.code}): ${ran.tail}`);
  const result = JSON.parse(readFileSync(path.join(work, 'result.json'), 'utf8')) as {
    threshold: number;
    metrics: { training: ModelMetrics; validation: ModelMetrics; test: ModelMetrics | null };
    params: Record<string, unknown>;
    xgboost: string;
  };
  const boosterText = readFileSync(path.join(work, 'booster.json'), 'utf8');
  const booster = JSON.parse(boosterText) as Record<string, unknown>;
  // XGBoost names no columns (it was given a bare matrix): the model file's features do
  (booster as { learner: { feature_names?: string[] } }).learner.feature_names = [...matrix.names];
  const trainedAt = (options.now ?? (() => new Date()))();
  const hash = createHash('sha256').update(boosterText).update(JSON.stringify(options.featureRules)).digest('hex').slice(0, 8);
  const file: FraudModelFile = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    version: `${trainedAt.toISOString().replace(/[-:]|\.\d+/g, '')}-${hash}`,
    learner: { name: 'xgboost', version: result.xgboost, params: result.params },
    features: [...matrix.names],
    featureRules: options.featureRules.filter((rule) => rule.feature !== undefined),
    labelDelay: options.labelDelay,
    trainingWindow: {
      from: new Date(matrix.times[0]!).toISOString(),
      to: new Date(matrix.times[trainRows - 1]!).toISOString(),
      rows: trainRows,
      frauds: result.metrics.training.frauds,
    },
    threshold: result.threshold,
    metrics: result.metrics,
    booster,
  };
  mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(file)}\n`);

  // the model as serving reads it, against XGBoost's own predictions, on every row
  const model = readFraudModel(options.out);
  const bytes = readFileSync(path.join(work, 'predictions.f64'));
  const predictions = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const width = matrix.names.length;
  const row: Record<string, number | null> = {};
  let largestDifference = 0;
  let worst = -1;
  for (let r = 0; r < matrix.rows; r++) {
    for (let j = 0; j < width; j++) {
      const v = matrix.values[r * width + j]!;
      row[matrix.names[j]!] = Number.isNaN(v) ? null : v;
    }
    const difference = Math.abs(model.score(row) - predictions[r]!);
    if (difference > largestDifference) [largestDifference, worst] = [difference, r];
  }
  if (!(largestDifference <= SCORE_TOLERANCE)) {
    throw new VigieError('STATE_INCOMPATIBLE', `vigie's evaluator differs from XGBoost's predictions by ${largestDifference} (row ${worst}), more than ${SCORE_TOLERANCE}`, { where: { file: options.out } });
  }
  return { file, out: options.out, matrix, trainRows, largestDifference, predictions };
}

/** How many rows (from the earliest) make the training part. */
export function splitRows(matrix: FeatureMatrix, split: TrainSplit): number {
  let rows: number;
  if ('until' in split) {
    rows = 0;
    while (rows < matrix.rows && matrix.times[rows]! < split.until) rows++;
  } else {
    rows = Math.round(matrix.rows * split.fraction);
  }
  if (rows < 10) throw new VigieError('CONFIG_INVALID', `the training part has ${rows} rows of ${matrix.rows}: too few to train on`);
  return rows;
}

/** The matrix as train/fraud.py reads it: float64 little-endian, per row time, label, features. */
function writeMatrix(matrix: FeatureMatrix, file: string): void {
  const width = matrix.names.length;
  const chunkRows = 50_000;
  const fd = openSync(file, 'w');
  try {
    for (let start = 0; start < matrix.rows; start += chunkRows) {
      const end = Math.min(matrix.rows, start + chunkRows);
      const chunk = new Float64Array((end - start) * (width + 2));
      for (let r = start; r < end; r++) {
        const at = (r - start) * (width + 2);
        chunk[at] = matrix.times[r]!;
        chunk[at + 1] = matrix.labels[r]!;
        chunk.set(matrix.values.subarray(r * width, (r + 1) * width), at + 2);
      }
      writeSync(fd, new Uint8Array(chunk.buffer));
    }
  } finally {
    closeSync(fd);
  }
}
