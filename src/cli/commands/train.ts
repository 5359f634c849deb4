/**
 * `vigie train fraud --on FILE` or `--from-database`: a learned fraud model from labelled history
 * (a CSV: the simulated bank's or PaySim's; or the transactions `detect transactions
 * --store-transactions` stored in PostgreSQL, joined with their labels), its features computed by the rule language's rules (rules/features.json by
 * default) replayed as serving computes them, XGBoost in a virtualenv the command makes itself,
 * the threshold chosen on the training part only, and the model file written (see docs/models.md).
 */
import type { Command } from 'commander';
import type { Observable } from 'rxjs';
import { fromLabelledCsv, labelledFormat } from '../../adapters/labelledCsv.ts';
import type { LabelledTransaction } from '../../adapters/paysim.ts';
import { type Database, openDatabase } from '../../adapters/postgres/connect.ts';
import { fromStoredTransactions } from '../../adapters/postgres/storedHistory.ts';
import { labelsFirst } from '../../operators/labelsFirst.ts';
import { SETTINGS, resolveSettings } from '../config.ts';
import { VigieError } from '../../errors.ts';
import type { ModelMetrics } from '../../models/modelFile.ts';
import { readRuleFile } from '../../rules/ruleFile.ts';
import { parseDuration } from '../../rules/schema.ts';
import { parseTimestamp } from '../../timestamps.ts';
import { withDelayedLabels } from '../../operators/withDelayedLabels.ts';
import { readsLabels } from '../../models/modelSlots.ts';
import { fail } from '../fail.ts';
import { DEFAULT_FEATURE_RULES, type TrainFraudOptions, type TrainSplit, type TrainedFraudModel, trainFraud } from '../trainFraud.ts';
import type { Rule } from '../../rules/schema.ts';

interface TrainOptions {
  readonly on?: string;
  readonly fromDatabase?: boolean;
  readonly databaseUrl?: string;
  readonly since?: string;
  readonly until?: string;
  readonly features?: string;
  readonly trainUntil?: string;
  readonly trainFraction?: string;
  readonly labelDelay?: string;
  readonly param: string[];
  readonly out: string;
  readonly dataDir: string;
  readonly json?: boolean;
}

export function registerTrain(program: Command): void {
  const train = program.command('train').description('train a learned model on labelled history');
  train
    .command('fraud')
    .description("train a fraud model (XGBoost) on a labelled CSV, the simulated bank's or PaySim's: features from the rule language replayed in event-time order, the threshold chosen on the training part, a versioned model file")
    .option('--on <file>', "the labelled CSV: the simulated bank's (vigie simulate bank) or PaySim's")
    .option('--from-database', "the transactions `detect transactions --store-transactions` stored in PostgreSQL, each a fraud when a label of a fraud kind (fraud, chargeback, verdict-fraud) not cleared by a later verdict-genuine names it, the labels merged in at the time they came")
    .option('--database-url <url>', 'with --from-database: the PostgreSQL (default: env DATABASE_URL, else the embedded one in --data-dir)')
    .option('--since <time>', 'with --from-database: the transactions (and labels) from this event time on (ISO 8601)')
    .option('--until <time>', 'with --from-database: the transactions (and labels) before this event time (ISO 8601)')
    .option('--features <file>', "the rules computing the features, each naming a feature (default: the package's rules/features.json)")
    .option('--train-until <time>', 'the training part ends before this event time (ISO 8601); the rest is the test part')
    .option('--train-fraction <share>', 'the training part is this share of the rows, earliest first (without --train-until: 0.7)')
    .option('--label-delay <time>', `how long after a transaction its label is known, recorded in the model; features that read labels (fraudLabels) see each fraud's label that long after it (default for them: 7d, the Handbook's)`)
    .option('--param <key=value>', 'an XGBoost parameter over the defaults (max_depth=4, eta=0.1, rounds=500, ...); repeatable', (value: string, all: string[]) => [...all, value], [])
    .option('--out <file>', 'the model file', '.vigie/fraud-model.json')
    .option('--data-dir <dir>', 'where the virtualenv (venv-train) and the work files (train/) go', '.vigie')
    .option('--json', 'print the model file without its booster as JSON instead of the summary')
    .action(async (options: TrainOptions) => {
      let database: Database | undefined;
      try {
        const from = history(options);
        if (from === 'file') labelledFormat(options.on!);
        const featureRules = readRuleFile(options.features ?? DEFAULT_FEATURE_RULES);
        // from a file, features that read labels see each fraud's label its delay after it, as a
        // live flow would; from the database, the labels as they came, at their stored time: the
        // delay is recorded, not simulated
        const delayed = labelDelayOptions(featureRules, options.labelDelay);
        let labelled$: Observable<LabelledTransaction>;
        let toStream: TrainFraudOptions['toStream'] = delayed.toStream;
        if (from === 'file') labelled$ = fromLabelledCsv(options.on!);
        else {
          const window = { since: time('--since', options.since), until: time('--until', options.until) };
          const databaseUrl = resolveSettings({ databaseUrl: SETTINGS.databaseUrl }, { databaseUrl: options.databaseUrl }, process.env)['databaseUrl'] as string | undefined;
          database = await openDatabase({ ...(databaseUrl === undefined ? {} : { databaseUrl }), dataDir: options.dataDir });
          labelled$ = fromStoredTransactions({ pool: database.pool, ...(window.since === undefined ? {} : { since: window.since }), ...(window.until === undefined ? {} : { until: window.until }) });
          toStream = labelsFirst();
        }
        const trained = await trainFraud({
          labelled$,
          featureRules,
          split: split(options),
          labelDelay: delayed.labelDelay,
          ...(toStream === undefined ? {} : { toStream }),
          params: params(options.param),
          workDir: options.dataDir,
          out: options.out,
        });
        await database?.close();
        database = undefined;
        console.log(options.json ? JSON.stringify({ ...trained.file, booster: undefined }) : summary(trained));
      } catch (error) {
        await database?.close().catch(() => {});
        fail(error);
      }
    });
}

/** Where the history comes from: exactly one of --on and --from-database, and their options. */
function history(options: TrainOptions): 'file' | 'database' {
  if ((options.on === undefined) === (options.fromDatabase !== true)) throw new VigieError('CONFIG_INVALID', 'give --on FILE or --from-database, one of them');
  if (options.on !== undefined) {
    const only = (['databaseUrl', 'since', 'until'] as const).filter((key) => options[key] !== undefined);
    if (only.length > 0) throw new VigieError('CONFIG_INVALID', `${only.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: with --from-database only`);
    return 'file';
  }
  return 'database';
}

/** An option's ISO 8601 time, epoch ms. */
function time(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = parseTimestamp(text);
  if (typeof at === 'string') throw new VigieError('CONFIG_INVALID', `${option}: ${at}`);
  return at;
}

function split(options: TrainOptions): TrainSplit {
  if (options.trainUntil !== undefined && options.trainFraction !== undefined) throw new VigieError('CONFIG_INVALID', '--train-until and --train-fraction: give one of them');
  if (options.trainUntil !== undefined) {
    const until = parseTimestamp(options.trainUntil);
    if (typeof until === 'string') throw new VigieError('CONFIG_INVALID', `--train-until: ${until}`);
    return { until };
  }
  const fraction = Number(options.trainFraction ?? 0.7);
  if (!(fraction > 0 && fraction <= 1)) throw new VigieError('CONFIG_INVALID', `--train-fraction: ${options.trainFraction} is not a share in (0, 1]`);
  return { fraction };
}

/**
 * The label delay a model of `featureRules` is trained with (`--label-delay`, or 7d when a feature
 * reads labels, none otherwise) and the stream it makes: features that read labels see each
 * fraud's label its delay after it, as a live flow would. `vigie evaluate fraud cameroon|paysim`
 * train through this too.
 */
export function labelDelayOptions(featureRules: readonly Rule[], text: string | undefined): Pick<TrainFraudOptions, 'labelDelay' | 'toStream'> {
  const delay = labelDelay(text) ?? (featureRules.some((rule) => readsLabels(rule.value)) ? DEFAULT_LABEL_DELAY : null);
  return { labelDelay: delay, ...(delay === null ? {} : { toStream: withDelayedLabels(parseDuration(delay)!) }) };
}

/** The Handbook's: a fraud is known 7 days after it. */
const DEFAULT_LABEL_DELAY = '7d';

function labelDelay(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (parseDuration(text) === undefined) throw new VigieError('CONFIG_INVALID', `--label-delay: ${text} is not a duration such as 7d, 36h`);
  return text;
}

/** `--param key=value` items as an object; an item without `=` is refused. */
export function params(items: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    items.map((item) => {
      const at = item.indexOf('=');
      if (at <= 0) throw new VigieError('CONFIG_INVALID', `--param: ${item} is not key=value`);
      return [item.slice(0, at), item.slice(at + 1)];
    }),
  );
}

function summary(trained: TrainedFraudModel): string {
  const { file } = trained;
  const f = (m: ModelMetrics | null | undefined): string =>
    m ? `| ${m.rows} | ${m.frauds} | ${m.averagePrecision?.toFixed(4) ?? '-'} | ${m.precision.toFixed(4)} | ${m.recall.toFixed(4)} | ${m.f1.toFixed(4)} |` : '| - | - | - | - | - | - |';
  return [
    `model ${file.version} written to ${trained.out}: ${file.features.length} features, ${String(file.learner.params.rounds)} rounds, threshold ${file.threshold.toFixed(4)}`,
    `training part: ${file.trainingWindow.from} to ${file.trainingWindow.to} (${file.trainingWindow.rows} rows); test part: the ${trained.matrix.rows - trained.trainRows} rows after`,
    `vigie's evaluator against XGBoost on all ${trained.matrix.rows} rows: largest difference ${trained.largestDifference.toExponential(2)}`,
    '',
    '| part | rows | frauds | average precision | precision | recall | F1 |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| training (in sample) ${f(file.metrics.training)}`,
    `| validation (last 20 % of training, threshold chosen here) ${f(file.metrics.validation)}`,
    `| test ${f(file.metrics.test)}`,
  ].join('\n');
}
