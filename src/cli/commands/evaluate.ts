/**
 * `vigie evaluate nab`: scores a detector on the Numenta Anomaly Benchmark the way NAB scores it,
 * per profile. A vigie detector (`--detector isolation-forest`, ...) is run over the whole corpus
 * through its operators; any other name is read from NAB's stored results
 * (`nab/results/<name>/`), scored at the sweep's threshold and at NAB's own stored one.
 * `--scoreboard` runs every vigie detector and places them on NAB's published scoreboard, as a
 * table and a picture.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { VigieError } from '../../errors.ts';
import { readDetectorResults, readProfiles, readPublished, readStoredScores } from '../../evaluation/nab/corpus.ts';
import { nabDetectors } from '../../evaluation/nab/detectors.ts';
import { PROFILES, type ScoreboardRow, rankScoreboard, scoreboardMarkdown, scoreboardSvg } from '../../evaluation/nab/scoreboard.ts';
import { type NabFile, type SweepResult, scoreAt, sweep } from '../../evaluation/nab/scorer.ts';
import { streamCorpus } from '../../evaluation/nab/stream.ts';
import { svgToPng } from '../../plot/png.ts';
import { fail } from '../fail.ts';
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
  readonly out: string;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score a detector against a labelled benchmark')
    .command('nab')
    .description(`score a detector with NAB's method, per profile: one of vigie's (${Object.keys(nabDetectors).join(', ')}), run over the corpus, or one whose results NAB stores (nab/results/<name>/)`)
    .option('--data <dir>', 'folder holding nab/', '../shared/data')
    .option('--detector <name>', 'the detector to score', 'numenta')
    .option('--scoreboard', "run every vigie detector and place them on NAB's published scoreboard")
    .option('--out <dir>', 'where --scoreboard writes scoreboard.{md,json,svg,png}', '.vigie/nab')
    .action(async (options: EvaluateOptions) => {
      try {
        if (options.scoreboard) await scoreboard(options);
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

async function scoreboard(options: EvaluateOptions): Promise<void> {
  const profiles = readProfiles(options.data);
  const ours: ScoreboardRow[] = [];
  for (const [name, { description }] of Object.entries(nabDetectors)) {
    const files = await runVigieDetector(options.data, name);
    const scores = Object.fromEntries(PROFILES.map((p) => [p, sweep(files, profiles[p]!).normalized])) as ScoreboardRow['scores'];
    ours.push({ detector: name, from: 'vigie', scores, description });
  }
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

export function formatNabTable(detector: string, rows: readonly NabRow[]): string {
  const lines = [`| ${detector} profile | threshold from | threshold | raw score | NAB score | published |`, '| --- | --- | --- | --- | --- | --- |'];
  for (const { profile, how, result, published } of rows) {
    lines.push(`| ${profile} | ${how} | ${result.threshold.toFixed(6)} | ${result.raw.toFixed(4)} | ${result.normalized.toFixed(2)} | ${published === undefined ? '-' : published.toFixed(2)} |`);
  }
  return lines.join('\n');
}
