/**
 * `vigie train fraud` end to end on a small draw of the simulated bank's `handbook` profile, with
 * XGBoost in the virtualenv `npm run setup` makes (.vigie/venv-train, linked into the test's data
 * dir). Then "features identical in training and serving": the same transactions go through the
 * serving path, `judgeByRules(model.featureBook, { features: true })` as `detect` runs it, stopped
 * halfway and restarted from its checkpoint, and every value of every row must equal the training
 * matrix the command wrote, and the model's score of each row XGBoost's prediction (1e-6).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLabelledCsv } from '../../src/adapters/labelledCsv.ts';
import { readFraudModel } from '../../src/models/index.ts';
import { RulesStore } from '../../src/operators/rules/decideOnArrival.ts';
import { judgeByRules } from '../../src/operators/rules/judgeByRules.ts';
import { readRuleFile } from '../../src/rules/ruleFile.ts';
import { withDelayedLabels } from '../../src/operators/withDelayedLabels.ts';
import { isLabel } from '../../src/rules/labels.ts';
import { parseDuration } from '../../src/rules/schema.ts';
import type { TransactionRecord } from '../../src/types.ts';
import { handbookFeatures, handbookPaths, trainHandbookModel } from '../helpers/handbookModel.ts';
import { killAll, vigie } from '../helpers/processes.ts';
import { restoredCopy } from '../operators/rules/records.ts';

const paths = handbookPaths('vigie-train-');
const { dir, bank, dataDir, modelFile } = paths;
const features = handbookFeatures;

interface Printed {
  version: string;
  features: string[];
  threshold: number;
  trainingWindow: { from: string; to: string; rows: number; frauds: number };
  metrics: { training: { rows: number; frauds: number }; validation: { rows: number }; test: { rows: number; frauds: number; averagePrecision: number } };
  booster?: unknown;
}
let printed: Printed;

beforeAll(async () => {
  // the Handbook's features: the default ones and the terminal's frauds behind the label delay
  const { stdout } = await trainHandbookModel(paths, ['--customers', '400', '--terminals', '800', '--days', '45'], ['--param', 'rounds=40', '--param', 'max_depth=4', '--json']);
  printed = JSON.parse(stdout) as Printed;
}, 300_000);
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigie train fraud', () => {
  it('writes a model file with its feature rules, a time-ordered 70/30 split and its metrics', () => {
    const model = readFraudModel(modelFile);
    const rules = readRuleFile(features);
    expect(model.features).toEqual(rules.map((r) => r.feature));
    expect(model.version).toBe(printed.version);
    expect(printed.booster).toBeUndefined();
    expect(model.threshold).toBeGreaterThan(0);
    expect(model.threshold).toBeLessThan(1);
    const { training, validation, test } = printed.metrics;
    const rows = training.rows + test.rows;
    expect(training.rows).toBe(Math.round(rows * 0.7));
    expect(validation.rows).toBe(training.rows - Math.round(training.rows * 0.8));
    expect(printed.trainingWindow.rows).toBe(training.rows);
    expect(Date.parse(printed.trainingWindow.from)).toBe(Date.parse('2018-04-01T00:00:00Z') + (Date.parse(printed.trainingWindow.from) % 86_400_000));
    expect(test.frauds).toBeGreaterThan(10);
    // better than chance (the share of frauds) on the part it never saw
    expect(test.averagePrecision).toBeGreaterThan((3 * test.frauds) / test.rows);
  });

  it('refuses bad options with exit 2, naming the option', async () => {
    const refusals: [string[], string][] = [
      [['--train-until', '2018-04-20T00:00:00Z', '--train-fraction', '0.5'], '--train-until and --train-fraction: give one of them'],
      [['--train-fraction', '1.5'], '--train-fraction: 1.5 is not a share in (0, 1]'],
      [['--train-until', 'soon'], '--train-until: '],
      [['--label-delay', 'a week'], '--label-delay: a week is not a duration such as 7d, 36h'],
      [['--param', 'max_depth'], '--param: max_depth is not key=value'],
    ];
    for (const [args, message] of refusals) {
      const run = vigie(['train', 'fraud', '--on', bank, '--out', path.join(dir, 'refused.json'), '--data-dir', dataDir, ...args]);
      expect(await run.exit, run.output()).toBe(2);
      expect(run.output()).toContain(`vigie: ${message}`);
    }
    expect(existsSync(path.join(dir, 'refused.json'))).toBe(false);
  }, 120_000);

  it('computes the same features in serving (across a restart from a checkpoint) as in training, and XGBoost’s scores', async () => {
    const model = readFraudModel(modelFile);
    // the records as a topic would give them (restoredCopy checkpoints topic `test`, partition 0),
    // each fraud's label arriving its delay after it (the Handbook's features read labels: the
    // terminal's frauds behind the delay), numbered in that merged order
    expect(model.file.labelDelay, 'the features read labels: trained with the 7-day delay by default').toBe('7d');
    const merged = await lastValueFrom(
      fromLabelledCsv(bank).pipe(
        map((l) => ({ ...l, record: { ...l.record, ref: { source: 'test', partition: 0, offset: 0 } } })),
        withDelayedLabels(parseDuration(model.file.labelDelay!)!),
        toArray(),
      ),
    );
    const records = merged;
    const serve = (part: TransactionRecord[], store: RulesStore) =>
      lastValueFrom(from(part).pipe(judgeByRules(model.featureBook, { store, features: true }), toArray()));
    const half = Math.floor(records.length / 2);
    const store = new RulesStore('rules');
    const served = [...(await serve(records.slice(0, half), store)), ...(await serve(records.slice(half), restoredCopy(store, half)))].filter(
      (j) => (j.revision ?? 0) === 0 && !isLabel(j.record.transaction),
    );
    const transactions = records.filter((r) => !isLabel(r.transaction)).length;
    expect(transactions, 'label events came in').toBeLessThan(records.length);
    expect(served).toHaveLength(transactions);

    const width = model.features.length;
    const bytes = readFileSync(path.join(dataDir, 'train', 'matrix.f64'));
    const matrix = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    const scored = readFileSync(path.join(dataDir, 'train', 'predictions.f64'));
    const predictions = new Float64Array(scored.buffer, scored.byteOffset, scored.byteLength / 8);
    expect(matrix.length).toBe(transactions * (width + 2));
    let compared = 0;
    served.forEach((judged, r) => {
      const trained = matrix.subarray(r * (width + 2) + 2, (r + 1) * (width + 2));
      model.features.forEach((name, j) => {
        const value = judged.features![name] ?? null;
        expect(value, `row ${r} (${judged.record.transaction.timestamp}), ${name}`).toBe(Number.isNaN(trained[j]!) ? null : trained[j]);
        compared++;
      });
      expect(Math.abs(model.score(judged.features!) - predictions[r]!), `row ${r}: score`).toBeLessThanOrEqual(1e-6);
    });
    expect(compared).toBe(transactions * width);
    // every feature took several values: the comparison is not of empty columns
    model.features.forEach((name, j) => {
      const seen = new Set<number>();
      for (let r = 0; r < transactions && seen.size < 3; r++) seen.add(matrix[r * (width + 2) + 2 + j]!);
      expect(seen.size, name).toBeGreaterThan(1);
    });
  }, 120_000);
});
