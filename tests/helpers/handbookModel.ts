/**
 * A model trained by `vigie train fraud` on a small draw of the simulated bank's `handbook` profile
 * with the Handbook's features (rules/handbook-features.json), in a directory of its own, with
 * XGBoost in the virtualenv `npm run setup` makes (.vigie/venv-train, linked into the data dir).
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { vigie } from './processes.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
export const venv = path.join(root, '.vigie', 'venv-train');
export const handbookFeatures = path.join(root, 'rules', 'handbook-features.json');

export interface HandbookModel {
  /** The directory holding it all: remove it when done. */
  readonly dir: string;
  readonly bank: string;
  readonly dataDir: string;
  readonly modelFile: string;
  /** What `vigie train fraud` printed on stdout. */
  readonly stdout: string;
}

/** The paths, before anything is made (a test file's constants). */
export function handbookPaths(prefix: string): Omit<HandbookModel, 'stdout'> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, bank: path.join(dir, 'bank.csv'), dataDir: path.join(dir, 'data'), modelFile: path.join(dir, 'model.json') };
}

/** Simulates the draw (`simulate`: its flags) and trains on it (`train`: further flags). */
export async function trainHandbookModel(paths: Omit<HandbookModel, 'stdout'>, simulate: readonly string[], train: readonly string[]): Promise<HandbookModel> {
  if (!existsSync(path.join(venv, 'bin', 'python'))) throw new Error(`${venv} is missing: run \`npm run setup\` (it makes the virtualenv from train/requirements.txt)`);
  mkdirSync(paths.dataDir);
  symlinkSync(venv, path.join(paths.dataDir, 'venv-train'));
  const simulated = vigie(['simulate', 'bank', '--profile', 'handbook', ...simulate, '--out', paths.bank]);
  expect(await simulated.exit, simulated.output()).toBe(0);
  const trained = vigie(['train', 'fraud', '--on', paths.bank, '--features', handbookFeatures, '--out', paths.modelFile, '--data-dir', paths.dataDir, ...train]);
  let stdout = '';
  trained.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  expect(await trained.exit, trained.output()).toBe(0);
  return { ...paths, stdout };
}
