/**
 * Reading NAB's corpus as laid out in its repository (`nab/` under the data folder): the data
 * files, the labelled windows, the profiles, a detector's results and NAB's own score tables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VigieError } from '../../errors.ts';
import type { NabFile, Profile, Window } from './scorer.ts';

/** The columns of a plain comma-separated file (NAB quotes nothing), by header name. */
export function readColumns(path: string): Record<string, string[]> {
  if (!existsSync(path)) throw new VigieError('CONFIG_INVALID', 'NAB file not found', { where: { file: path } });
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  const columns: Record<string, string[]> = Object.fromEntries(header.map((h) => [h, [] as string[]]));
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    header.forEach((h, c) => columns[h]!.push(cells[c] ?? ''));
  }
  return columns;
}

function column(columns: Record<string, string[]>, name: string, path: string): string[] {
  const values = columns[name];
  if (values === undefined) throw new VigieError('CONFIG_INVALID', `NAB file has no column "${name}"`, { where: { file: path } });
  return values;
}

/** A data file (`timestamp,value`). */
export function readDataFile(dataDir: string, name: string): { timestamps: string[]; values: number[] } {
  const path = join(dataDir, 'nab', 'data', name);
  const columns = readColumns(path);
  return { timestamps: column(columns, 'timestamp', path), values: column(columns, 'value', path).map(Number) };
}

/** `combined_windows.json`: each file's windows as timestamp pairs, `.000000` stripped to match the CSVs. */
export function readWindows(dataDir: string): Record<string, [string, string][]> {
  const raw = JSON.parse(readFileSync(join(dataDir, 'nab', 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const strip = (t: string): string => t.replace(/\.0+$/, '');
  return Object.fromEntries(Object.entries(raw).map(([name, ws]) => [name, ws.map(([a, b]) => [strip(a), strip(b)] as [string, string])]));
}

/** `config/profiles.json`, keeping the weights the scorer uses. */
export function readProfiles(dataDir: string): Record<string, Profile> {
  const raw = JSON.parse(readFileSync(join(dataDir, 'nab', 'config', 'profiles.json'), 'utf8')) as Record<string, { CostMatrix: Profile }>;
  return Object.fromEntries(
    Object.entries(raw).map(([name, { CostMatrix: m }]) => [name, { tpWeight: m.tpWeight, fpWeight: m.fpWeight, fnWeight: m.fnWeight }]),
  );
}

/** Window timestamps to row indices, inclusive; a timestamp missing from the file is an error. */
export function windowRows(name: string, timestamps: readonly string[], windows: readonly [string, string][]): Window[] {
  const row = new Map(timestamps.map((t, i) => [t, i]));
  const at = (t: string): number => {
    const i = row.get(t);
    if (i === undefined) throw new VigieError('CONFIG_INVALID', `NAB window timestamp ${t} is not a row of the file`, { where: { file: name } });
    return i;
  };
  return windows.map(([a, b]) => ({ start: at(a), end: at(b) }));
}

/** Where NAB keeps a detector's output for one data file: `results/<detector>/<dir>/<detector>_<file>.csv`. */
export function resultsPath(dataDir: string, detector: string, name: string): string {
  return join(dataDir, 'nab', 'results', detector, dirname(name), `${detector}_${basename(name)}`);
}

/**
 * Every labelled file with the detector's `anomaly_score` per row, ready for the scorer.
 * `onFile` hears of each file as it is read.
 */
export function readDetectorResults(dataDir: string, detector: string, onFile: (file: NabFile, index: number, total: number) => void = () => {}): NabFile[] {
  const labels = readWindows(dataDir);
  const names = Object.keys(labels).sort();
  return names.map((name, index) => {
    const path = resultsPath(dataDir, detector, name);
    const columns = readColumns(path);
    const timestamps = column(columns, 'timestamp', path);
    const scores = Float64Array.from(column(columns, 'anomaly_score', path), Number);
    const file: NabFile = { name, timestamps, scores, windows: windowRows(name, timestamps, labels[name]!) };
    onFile(file, index, names.length);
    return file;
  });
}

/** A row of NAB's `<detector>_<profile>_scores.csv`. */
export interface StoredScore {
  readonly file: string;
  readonly threshold: number;
  readonly score: number;
}

/** NAB's per-file scores and its corpus threshold and total, or undefined when the table is absent. */
export function readStoredScores(dataDir: string, detector: string, profile: string): { threshold: number; total: number; files: StoredScore[] } | undefined {
  const path = join(dataDir, 'nab', 'results', detector, `${detector}_${profile}_scores.csv`);
  if (!existsSync(path)) return undefined;
  const columns = readColumns(path);
  const detectors = column(columns, 'Detector', path);
  const files: StoredScore[] = [];
  let total = Number.NaN;
  detectors.forEach((d, r) => {
    const score = Number(column(columns, 'Score', path)[r]);
    if (d === 'Totals') total = score;
    else files.push({ file: column(columns, 'File', path)[r]!, threshold: Number(column(columns, 'Threshold', path)[r]), score });
  });
  return { threshold: files[0]?.threshold ?? Number.NaN, total, files };
}

/** `results/final_results.json`: NAB's published normalised scores, detector → profile → score. */
export function readPublished(dataDir: string): Record<string, Record<string, number>> {
  const path = join(dataDir, 'nab', 'results', 'final_results.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, number>>) : {};
}
