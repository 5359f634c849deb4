/**
 * `vigie evaluate nab --data DIR --detector NAME`: a detector's stored NAB results scored the way
 * NAB scores them, per profile: the sweep's best threshold, and NAB's own stored threshold when
 * its score table is there, beside NAB's published figure.
 */
import type { Command } from 'commander';
import { readDetectorResults, readProfiles, readPublished, readStoredScores } from '../../evaluation/nab/corpus.ts';
import { type SweepResult, scoreAt, sweep } from '../../evaluation/nab/scorer.ts';
import { fail } from '../fail.ts';
import { type Progress, progress } from '../progress.ts';

export interface NabRow {
  readonly profile: string;
  /** `sweep` for our optimised θ, `NAB threshold` for the θ NAB stored. */
  readonly how: string;
  readonly result: SweepResult;
  readonly published: number | undefined;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score a detector against a labelled benchmark')
    .command('nab')
    .description("score a detector's stored NAB results (nab/results/<detector>/) with NAB's method, per profile")
    .option('--data <dir>', 'folder holding nab/', '../shared/data')
    .option('--detector <name>', 'detector whose results to score', 'numenta')
    .action((options: { data: string; detector: string }) => {
      try {
        // a bar on a terminal, a line per file otherwise
        let bar: Progress | null = null;
        const files = readDetectorResults(options.data, options.detector, (f, i, total) => {
          if (!process.stderr.isTTY) return console.error(`read ${i + 1}/${total} ${f.name} (${f.scores.length} rows, ${f.windows.length} windows)`);
          bar ??= progress('evaluate nab: reading', { total });
          bar.update(i + 1);
        });
        (bar as Progress | null)?.finish();
        const published = readPublished(options.data)[options.detector] ?? {};
        const rows: NabRow[] = [];
        for (const [profile, weights] of Object.entries(readProfiles(options.data))) {
          rows.push({ profile, how: 'sweep', result: sweep(files, weights), published: published[profile] });
          const stored = readStoredScores(options.data, options.detector, profile);
          if (stored) rows.push({ profile, how: 'NAB threshold', result: scoreAt(files, stored.threshold, weights), published: published[profile] });
        }
        console.log(formatNabTable(options.detector, rows));
      } catch (error) {
        fail(error);
      }
    });
}

export function formatNabTable(detector: string, rows: readonly NabRow[]): string {
  const lines = [`| ${detector} profile | threshold from | threshold | raw score | NAB score | published |`, '| --- | --- | --- | --- | --- | --- |'];
  for (const { profile, how, result, published } of rows) {
    lines.push(`| ${profile} | ${how} | ${result.threshold.toFixed(6)} | ${result.raw.toFixed(4)} | ${result.normalized.toFixed(2)} | ${published === undefined ? '-' : published.toFixed(2)} |`);
  }
  return lines.join('\n');
}
