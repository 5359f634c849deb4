/**
 * NAB's scoreboard reproduced: the numenta detector's stored outputs for all 58 files, scored at
 * NAB's stored thresholds, give final_results.json's numenta row and every per-file score of
 * `numenta_<profile>_scores.csv`. The sweep finds a θ at least as good (slightly better under
 * reward_low_FP_rate, whose stored threshold an older optimiser chose).
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDetectorResults, readProfiles, readPublished, readStoredScores } from '../../../src/evaluation/nab/corpus.ts';
import { type NabFile, countWindows, scoreAt, sweep } from '../../../src/evaluation/nab/scorer.ts';

const data = new URL('../../../../shared/data/', import.meta.url).pathname;
const exists = existsSync(`${data}nab/results/numenta`);

describe.skipIf(!exists)('NAB numenta results', () => {
  let files: NabFile[];
  beforeAll(() => {
    files = readDetectorResults(data, 'numenta');
  });

  it('reads 58 files and 116 windows', () => {
    expect(files).toHaveLength(58);
    expect(countWindows(files)).toBe(116);
    expect(files.reduce((n, f) => n + f.scores.length, 0)).toBe(365_558);
  });

  for (const profile of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) {
    it(`reproduces the published ${profile} score at NAB's stored threshold`, () => {
      const weights = readProfiles(data)[profile]!;
      const stored = readStoredScores(data, 'numenta', profile)!;
      const published = readPublished(data)['numenta']![profile]!;
      const result = scoreAt(files, stored.threshold, weights);
      expect(Math.abs(result.normalized - published)).toBeLessThan(0.01);
      expect(result.normalized).toBeCloseTo(published, 8);
      expect(result.raw).toBeCloseTo(stored.total, 6);
      const ours = new Map(result.perFile.map((f) => [f.name, f.raw]));
      expect(stored.files).toHaveLength(58);
      for (const { file, score } of stored.files) expect(Math.abs(ours.get(file)! - score), file).toBeLessThan(1e-6);

      const swept = sweep(files, weights);
      expect(swept.raw).toBeGreaterThanOrEqual(result.raw - 1e-9);
      console.log(`${profile}: NAB θ=${stored.threshold} raw ${result.raw.toFixed(4)} NAB ${result.normalized.toFixed(4)}; sweep θ=${swept.threshold} raw ${swept.raw.toFixed(4)} NAB ${swept.normalized.toFixed(4)}`);
    });
  }
});
