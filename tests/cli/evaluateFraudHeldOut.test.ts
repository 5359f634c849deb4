/**
 * `vigie evaluate fraud cameroon` and `… paysim` end to end, as a user runs them (the built CLI,
 * the real learner in the virtualenv `npm run setup` makes, linked into the test's --data-dir),
 * on small data: a small simulated bank, the first 15 000 rows of PaySim's head in ../shared. Every figure checked is
 * computed here independently: the split from the CSV's row count, the prototype's precision and
 * recall from the CSV's test rows, the model's average precision from the figures train/fraud.py
 * wrote into the model file (`metrics.test`), which vigie's evaluator must reproduce.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/command.ts';
import { PAYSIM_DEFAULT_FILE } from '../../src/cli/commands/evaluateFraudPaysim.ts';
import { readFraudModel } from '../../src/models/index.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const venv = path.join(root, '.vigie', 'venv-train');
let dir: string;

beforeAll(() => {
  if (!existsSync(path.join(venv, 'bin', 'python'))) throw new Error(`${venv} is missing: run \`npm run setup\``);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-evaluate-held-out-'));
  symlinkSync(venv, path.join(dir, 'venv-train'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI as a user runs it: its exit code, stdout, and every line of its output. */
async function vigie(args: readonly string[]): Promise<{ code: number | null; stdout: string; tail: string; lines: string[] }> {
  const lines: string[] = [];
  const ran = await run(process.execPath, ['bin/vigie.js', ...args], { cwd: root, onLine: (line) => lines.push(line) });
  return { ...ran, lines };
}

interface MethodJson {
  threshold: string;
  averagePrecision: number;
  precision: number;
  recall: number;
  f1: number;
  cardPrecisionAt100: number | null;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
interface HeldOutJson {
  dataset: string;
  split: { by: string; fraction: number; train: { rows: number; frauds: number }; test: { rows: number; frauds: number; from: string } };
  models: Record<string, { file: string; version: string; threshold: number }>;
  methods: Record<string, MethodJson>;
  simulated?: { file: string };
}

/** The rows of a CSV after its header, split on commas (neither file quotes). */
const rowsOf = (file: string): { header: string[]; rows: string[][] } => {
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',')) };
};

/** Precision and recall of amount > limit on `rows`, counted here. */
function prototypeFigures(rows: readonly { amount: number; fraud: boolean }[], limit: number): { tp: number; fp: number; fn: number; precision: number; recall: number } {
  const tp = rows.filter((r) => r.amount > limit && r.fraud).length;
  const fp = rows.filter((r) => r.amount > limit && !r.fraud).length;
  const fn = rows.filter((r) => !(r.amount > limit) && r.fraud).length;
  return { tp, fp, fn, precision: tp / (tp + fp), recall: tp / (tp + fn) };
}

function checkShape(json: HeldOutJson, names: readonly string[]): void {
  expect(Object.keys(json.methods)).toEqual(names);
  for (const m of Object.values(json.methods)) {
    expect(Object.keys(m).sort()).toEqual(['averagePrecision', 'cardPrecisionAt100', 'f1', 'fn', 'fp', 'precision', 'recall', 'threshold', 'tn', 'tp']);
    expect(m.tp + m.fp + m.fn + m.tn).toBe(json.split.test.rows);
    expect(m.tp + m.fn).toBe(json.split.test.frauds);
  }
}

/** The model's figures against train/fraud.py's on the same test rows (its model file's `metrics.test`). */
function checkModel(json: HeldOutJson, name: string): void {
  const file = readFraudModel(json.models[name]!.file).file;
  const m = json.methods[name]!;
  expect(file.trainingWindow.rows).toBe(json.split.train.rows);
  expect(file.metrics.test).toMatchObject({ rows: json.split.test.rows, frauds: json.split.test.frauds });
  expect(m.averagePrecision).toBeCloseTo(file.metrics.test!.averagePrecision!, 6);
  expect(m.precision).toBeCloseTo(file.metrics.test!.precision, 6);
  expect(m.recall).toBeCloseTo(file.metrics.test!.recall, 6);
  expect(m.threshold).toBe(`probability >= ${file.threshold}`);
}

function checkPicture(out: string, names: readonly string[]): void {
  const svg = readFileSync(path.join(out, 'pr.svg'), 'utf8');
  for (const name of names) expect(svg).toContain(name);
  expect(readFileSync(path.join(out, 'pr.png')).subarray(1, 4).toString()).toBe('PNG');
}

describe('vigie evaluate fraud cameroon', () => {
  it('simulates the bank, trains on the first 70 % by time and scores the model, the rules and the prototype on the rest', async () => {
    const out = path.join(dir, 'out');
    const args = ['evaluate', 'fraud', 'cameroon', '--customers', '1500', '--terminals', '300', '--days', '20', '--seed', '3', '--param', 'rounds=60', '--data-dir', dir, '--out', out];
    const ran = await vigie([...args, '--json']);
    expect(ran.code, ran.tail).toBe(0);
    const json = JSON.parse(ran.stdout) as HeldOutJson;
    expect(json.dataset).toBe('cameroon');
    checkShape(json, ['model', 'rules', 'prototype']);
    const { rows, header } = rowsOf(json.simulated!.file);
    const cut = Math.round(rows.length * 0.7);
    expect(json.split).toMatchObject({ by: 'timestamp', fraction: 0.7, train: { rows: cut }, test: { rows: rows.length - cut } });
    const at = (name: string) => header.indexOf(name);
    const test = rows.slice(cut).map((r) => ({ amount: Number(r[at('amount')]), fraud: r[at('fraud')] === '1' }));
    expect(json.split.test.frauds).toBe(test.filter((r) => r.fraud).length);
    expect(json.split.test.from).toBe(new Date(rows[cut]![at('timestamp')]!).toISOString());
    const prototype = prototypeFigures(test, 10_000);
    expect(json.methods['prototype']).toMatchObject({ tp: prototype.tp, fp: prototype.fp, fn: prototype.fn, threshold: 'amount > 10000 XAF' });
    expect(json.methods['prototype']!.precision).toBeCloseTo(prototype.precision, 12);
    expect(json.methods['prototype']!.recall).toBeCloseTo(prototype.recall, 12);
    checkModel(json, 'model');
    // the rule set holds the amount rule: it flags at least what the prototype flags
    expect(json.methods['rules']!.tp + json.methods['rules']!.fp).toBeGreaterThanOrEqual(prototype.tp + prototype.fp);
    checkPicture(path.join(out, 'cameroon'), ['model', 'rules', 'prototype']);

    // the tables, on the same simulated CSV (not simulated again)
    const tables = await vigie(args);
    expect(tables.code, tables.tail).toBe(0);
    expect(tables.lines.filter((l) => l.includes('simulated ')), 'the CSV simulated again').toEqual([]);
    expect(tables.stdout).toContain(`trained on the first ${cut} rows`);
    expect(tables.stdout).toContain('| method | threshold | average precision | precision | recall | F1 | card precision@100 | TP | FP | FN | TN |');
    expect(tables.stdout).toContain(`| prototype (the amount rule alone) | amount > 10000 XAF | `);
    expect(tables.stdout).toContain(`| ${prototype.tp} | ${prototype.fp} | ${prototype.fn} |`);
  }, 300_000);
});

describe('vigie evaluate fraud paysim', () => {
  it("scores the model without and with PaySim's balance errors beside the rules and the prototype, split by step", async () => {
    const out = path.join(dir, 'out');
    // PaySim's head cut to its first 15 000 rows (72 frauds in the training part, 7 in the test), for time
    const data = path.join(dir, 'paysim.csv');
    writeFileSync(data, `${readFileSync(PAYSIM_DEFAULT_FILE, 'utf8').split('\n').slice(0, 15_001).join('\n')}\n`);
    const ran = await vigie(['evaluate', 'fraud', 'paysim', data, '--param', 'rounds=60', '--data-dir', dir, '--out', out, '--json']);
    expect(ran.code, ran.tail).toBe(0);
    const json = JSON.parse(ran.stdout) as HeldOutJson;
    const names = ['model without balance errors', 'model with balance errors', 'rules', 'prototype'];
    checkShape(json, names);
    const { rows, header } = rowsOf(data);
    expect(rows.length).toBe(15_000);
    const cut = Math.round(rows.length * 0.7);
    expect(json.split).toMatchObject({ by: 'step', train: { rows: cut }, test: { rows: rows.length - cut } });
    const at = (name: string) => header.indexOf(name);
    const prototype = prototypeFigures(
      rows.slice(cut).map((r) => ({ amount: Number(r[at('amount')]), fraud: r[at('isFraud')] === '1' })),
      10_000,
    );
    expect(json.methods['prototype']).toMatchObject({ tp: prototype.tp, fp: prototype.fp, fn: prototype.fn });
    expect(json.methods['prototype']!.precision).toBeCloseTo(prototype.precision, 12);
    checkModel(json, 'model without balance errors');
    checkModel(json, 'model with balance errors');
    const features = (name: string) => readFraudModel(json.models[name]!.file).features;
    expect(features('model without balance errors')).not.toContain('error_balance_orig');
    expect(features('model with balance errors')).toEqual([...features('model without balance errors'), 'error_balance_orig', 'error_balance_dest']);
    checkPicture(path.join(out, 'paysim'), names);
  }, 300_000);

  it('names how to get the full file when the one given is missing', async () => {
    const ran = await vigie(['evaluate', 'fraud', 'paysim', path.join(dir, 'PS_log.csv'), '--data-dir', dir, '--out', path.join(dir, 'out')]);
    expect(ran.code).toBe(2);
    expect(ran.tail).toContain(`no ${path.join(dir, 'PS_log.csv')}`);
    expect(ran.tail).toContain('ealaxi/paysim1');
  }, 60_000);
});
