/**
 * `vigie evaluate nab`: scores a detector on the Numenta Anomaly Benchmark the way NAB scores it,
 * per profile. A vigie detector (`--detector isolation-forest`, ...) is run over the whole corpus
 * through its operators; any other name is read from NAB's stored results
 * (`nab/results/<name>/`), scored at the sweep's threshold and at NAB's own stored one.
 * `--scoreboard` runs every vigie detector and places them on NAB's published scoreboard, as a
 * table and a picture.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { VigieError } from '../../errors.ts';
import { readDetectorResults, readProfiles, readPublished, readStoredScores, readWindows } from '../../evaluation/nab/corpus.ts';
import { nabDetectors } from '../../evaluation/nab/detectors.ts';
import { PROFILES, type ScoreboardRow, rankScoreboard, scoreboardMarkdown, scoreboardSvg } from '../../evaluation/nab/scoreboard.ts';
import { type NabFile, type SweepResult, scoreAt, sweep } from '../../evaluation/nab/scorer.ts';
import { streamCorpus } from '../../evaluation/nab/stream.ts';
import { svgToPng } from '../../plot/png.ts';
import { fail } from '../fail.ts';
import { registerEvaluateFraud } from './evaluateFraud.ts';
import { type Progress, progress } from '../progress.ts';

export interface NabRow {
  readonly profile: string;
  /** `sweep` for our optimised θ, `NAB threshold` for the θ NAB stored. */
  readonly how: string;
  readonly result: SweepResult;
  readonly published: number | undefined;
}

interface EvaluateOptions {
  readonly data: string;
  readonly detector: string;
  readonly scoreboard?: boolean;
  /** With --scoreboard: these of vigie's detectors only (all by default). */
  readonly detectors?: string;
  /** With --scoreboard: how many detectors run at once, each in a process of its own. */
  readonly jobs: string;
  /** One detector's normalised scores as a JSON line: what a --scoreboard job prints. */
  readonly scoresJson?: boolean;
  readonly out: string;
}

export function registerEvaluate(program: Command): void {
  const evaluate = program.command('evaluate').description('score a detector against a labelled benchmark');
  registerEvaluateFraud(evaluate);
  evaluate
    .command('nab')
    .description(`score a detector with NAB's method, per profile: one of vigie's (${Object.keys(nabDetectors).join(', ')}), run over the corpus, or one whose results NAB stores (nab/results/<name>/)`)
    .option('--data <dir>', 'folder holding nab/', '../shared/data')
    .option('--detector <name>', 'the detector to score', 'numenta')
    .option('--scoreboard', "run every vigie detector and place them on NAB's published scoreboard")
    .option('--out <dir>', 'where --scoreboard writes scoreboard.{md,json,svg,png}', '.vigie/nab')
    .option('--detectors <names>', "with --scoreboard: which of vigie's detectors, comma-separated (default: all)")
    .option('--jobs <n>', 'with --scoreboard: detectors run at once, a process each (default: the cores)', String(availableParallelism()))
    .addOption(new Option('--scores-json').hideHelp())
    .action(async (options: EvaluateOptions) => {
      try {
        if (options.scoreboard) await scoreboard(options);
        else if (options.scoresJson) await scoresJson(options);
        else await evaluateOne(options);
      } catch (error) {
        fail(error);
      }
    });
}

/** A bar on a terminal, a line per file otherwise. */
function fileProgress(label: string): { onFile: (f: NabFile, i: number, total: number) => void; finish: () => void } {
  let bar: Progress | null = null;
  return {
    onFile: (f, i, total) => {
      if (!process.stderr.isTTY) return console.error(`${label} ${i + 1}/${total} ${f.name} (${f.scores.length} rows, ${f.windows.length} windows)`);
      bar ??= progress(`evaluate nab: ${label}`, { total });
      bar.update(i + 1);
    },
    finish: () => (bar as Progress | null)?.finish(),
  };
}

async function runVigieDetector(data: string, name: string): Promise<NabFile[]> {
  const detector = nabDetectors[name];
  if (!detector) throw new VigieError('CONFIG_INVALID', `unknown vigie detector "${name}"`, { where: { option: '--detector' } });
  const shown = fileProgress(name);
  const started = performance.now();
  const files = await streamCorpus(data, detector.factory, shown.onFile);
  shown.finish();
  const rows = files.reduce((n, f) => n + f.scores.length, 0);
  console.error(`${name}: ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return files;
}

async function evaluateOne(options: EvaluateOptions): Promise<void> {
  const ours = options.detector in nabDetectors;
  let files: NabFile[];
  if (ours) files = await runVigieDetector(options.data, options.detector);
  else {
    const shown = fileProgress('read');
    files = readDetectorResults(options.data, options.detector, shown.onFile);
    shown.finish();
  }
  const published = readPublished(options.data)[options.detector] ?? {};
  const rows: NabRow[] = [];
  for (const [profile, weights] of Object.entries(readProfiles(options.data))) {
    rows.push({ profile, how: 'sweep', result: sweep(files, weights), published: published[profile] });
    const stored = ours ? undefined : readStoredScores(options.data, options.detector, profile);
    if (stored) rows.push({ profile, how: 'NAB threshold', result: scoreAt(files, stored.threshold, weights), published: published[profile] });
  }
  console.log(formatNabTable(options.detector, rows));
}

/** A scoreboard job: one detector over the corpus, its normalised score per profile on stdout. */
async function scoresJson(options: EvaluateOptions): Promise<void> {
  const files = await runVigieDetector(options.data, options.detector);
  const profiles = readProfiles(options.data);
  const scores = Object.fromEntries(PROFILES.map((p) => [p, sweep(files, profiles[p]!).normalized]));
  console.log(JSON.stringify({ detector: options.detector, scores }));
}

/**
 * Every detector over the corpus, `--jobs` at a time, each in a child process running this same
 * command with `--scores-json`: a detector is single-threaded work, so on two cores two detectors
 * take the time of one. The scores do not depend on the jobs: each detector sees each file alone.
 */
async function scoreboard(options: EvaluateOptions): Promise<void> {
  const names = options.detectors === undefined ? Object.keys(nabDetectors) : options.detectors.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(n in nabDetectors));
  if (unknown.length > 0) {
    throw new VigieError('CONFIG_INVALID', `unknown vigie detector "${unknown.join('", "')}"; known: ${Object.keys(nabDetectors).join(', ')}`, { where: { option: '--detectors' } });
  }
  const jobs = Number(options.jobs);
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new VigieError('CONFIG_INVALID', `--jobs must be an integer >= 1, got ${options.jobs}`, { where: { option: '--jobs' } });
  const started = performance.now();
  const files = readCorpusSize(options.data);
  const bar = progress(`evaluate nab: ${names.length} detectors, ${jobs} at a time, files`, { total: names.length * files });
  const done = new Map<string, number>();
  const results = new Map<string, ScoreboardRow['scores']>();
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const detector = name;
      results.set(
        detector,
        await scoreboardJob(options.data, detector, (file) => {
          done.set(detector, file);
          bar.update([...done.values()].reduce((a, b) => a + b, 0));
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, names.length) }, worker));
  bar.finish();
  console.error(`evaluate nab: ${names.length} detectors in ${((performance.now() - started) / 1000).toFixed(1)} s, ${jobs} at a time`);
  const ours: ScoreboardRow[] = names.map((name) => ({ detector: name, from: 'vigie', scores: results.get(name)!, description: nabDetectors[name]!.description }));
  const rows = rankScoreboard(readPublished(options.data), ours);
  const markdown = scoreboardMarkdown(rows);
  const svg = scoreboardSvg(rows);
  const png = svgToPng(svg);
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'scoreboard.md'), `${markdown}\n`);
  await writeFile(join(options.out, 'scoreboard.json'), `${JSON.stringify(rows, null, 2)}\n`);
  await writeFile(join(options.out, 'scoreboard.svg'), svg);
  if (png) await writeFile(join(options.out, 'scoreboard.png'), png);
  console.log(markdown);
  console.log(`\nwritten: ${['scoreboard.md', 'scoreboard.json', 'scoreboard.svg', ...(png ? ['scoreboard.png'] : [])].map((f) => join(options.out, f)).join(', ')}`);
}

/** How many labelled files the corpus has: the progress bar's unit. */
function readCorpusSize(data: string): number {
  return Object.keys(readWindows(data)).length;
}

/** One detector in a child process (this command, `--scores-json`); `onFile` hears of each file it finished. */
function scoreboardJob(data: string, detector: string, onFile: (count: number) => void): Promise<ScoreboardRow['scores']> {
  const argv = [...process.execArgv, process.argv[1]!, 'evaluate', 'nab', '--data', data, '--detector', detector, '--scores-json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4_000);
      // its per-file lines (no terminal): `<name> <i>/<total> <file> (...)`
      for (const match of d.matchAll(/^\S+ (\d+)\/\d+ /gm)) onFile(Number(match[1]));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exited with code ${code}`);
        resolve((JSON.parse(line) as { scores: ScoreboardRow['scores'] }).scores);
      } catch (error) {
        reject(new VigieError('CONFIG_INVALID', `the scoreboard's job for ${detector} failed (${(error as Error).message}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, { where: { detector } }));
      }
    });
  });
}

export function formatNabTable(detector: string, rows: readonly NabRow[]): string {
  const lines = [`| ${detector} profile | threshold from | threshold | raw score | NAB score | published |`, '| --- | --- | --- | --- | --- | --- |'];
  for (const { profile, how, result, published } of rows) {
    lines.push(`| ${profile} | ${how} | ${result.threshold.toFixed(6)} | ${result.raw.toFixed(4)} | ${result.normalized.toFixed(2)} | ${published === undefined ? '-' : published.toFixed(2)} |`);
  }
  return lines.join('\n');
}
