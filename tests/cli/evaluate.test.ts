/**
 * `vigie evaluate nab` on the NAB corpus in ../shared: the numenta detector's stored outputs,
 * scored at NAB's thresholds, give its published scoreboard row for all three profiles.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProfiles } from '../../src/evaluation/nab/corpus.ts';
import { nabDetectors } from '../../src/evaluation/nab/detectors.ts';
import { sweep } from '../../src/evaluation/nab/scorer.ts';
import { streamCorpus } from '../../src/evaluation/nab/stream.ts';
import { PROFILES, type ScoreboardRow } from '../../src/evaluation/nab/scoreboard.ts';
import { killAll, vigie } from '../helpers/processes.ts';

const data = new URL('../../../shared/data/', import.meta.url).pathname;
afterAll(killAll);

describe.skipIf(!existsSync(`${data}nab/results/numenta`))('vigie evaluate nab', () => {
  it("prints numenta's NAB scores beside the published ones", async () => {
    const run = vigie(['evaluate', 'nab', '--data', data, '--detector', 'numenta']);
    expect(await run.exit, run.output()).toBe(0);
    const published = (JSON.parse(readFileSync(`${data}nab/results/final_results.json`, 'utf8')) as Record<string, Record<string, number>>)['numenta']!;
    const rows = run
      .output()
      .split('\n')
      .filter((l) => l.startsWith('| ') && l.includes('| NAB threshold |'))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => r[1])).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
    for (const r of rows) {
      expect(Math.abs(Number(r[5]) - published[r[1]!]!)).toBeLessThan(0.01);
      expect(Number(r[6])).toBe(Number(published[r[1]!]!.toFixed(2)));
    }
    expect(run.output()).toMatch(/^read 58\/58 realTweets\/Twitter_volume_UPS\.csv/m);
  }, 60_000);

  it("runs one of vigie's detectors over the whole corpus through its operators and scores it", async () => {
    const run = vigie(['evaluate', 'nab', '--data', data, '--detector', 'dbscan']);
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).toMatch(/^dbscan 58\/58 realTweets\/Twitter_volume_UPS\.csv \(15866 rows, 5 windows\)/m);
    expect(run.output()).toMatch(/^dbscan: 365558 rows in [\d.]+ s/m);
    const files = await streamCorpus(data, nabDetectors['dbscan']!.factory);
    const profiles = readProfiles(data);
    const rows = run.output().split('\n').filter((l) => l.startsWith('| ') && l.includes('| sweep |')).map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => r[1])).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
    for (const r of rows) expect(r[5]).toBe(sweep(files, profiles[r[1]!]!).normalized.toFixed(2));
  }, 120_000);

  it('places detectors on the scoreboard two at a time, each in a process of its own, with the scores of one run alone', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'vigie-scoreboard-'));
    try {
      const names = ['robust-z-score+likelihood', 'dbscan'];
      const run = vigie(['evaluate', 'nab', '--data', data, '--scoreboard', '--detectors', names.join(','), '--jobs', '2', '--out', out]);
      expect(await run.exit, run.output()).toBe(0);
      expect(run.output()).toMatch(/^evaluate nab: 2 detectors in [\d.]+ s, 2 at a time/m);
      const rows = JSON.parse(readFileSync(path.join(out, 'scoreboard.json'), 'utf8')) as ScoreboardRow[];
      const profiles = readProfiles(data);
      for (const name of names) {
        const row = rows.find((r) => r.from === 'vigie' && r.detector === name);
        const files = await streamCorpus(data, nabDetectors[name]!.factory);
        for (const profile of PROFILES) expect(row?.scores[profile]).toBe(sweep(files, profiles[profile]!).normalized);
      }
      expect(rows.filter((r) => r.from === 'vigie')).toHaveLength(2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses an unknown detector for the scoreboard, naming the known ones', async () => {
    const run = vigie(['evaluate', 'nab', '--data', data, '--scoreboard', '--detectors', 'dbscan,nope']);
    expect(await run.exit).not.toBe(0);
    expect(run.output()).toContain('unknown vigie detector "nope"; known: dbscan, isolation-forest');
  });
});
