/**
 * The scoreboard: vigie's rows ranked among NAB's published ones by the standard profile, as a
 * table and as bars whose lengths follow the scores.
 */
import { describe, expect, it } from 'vitest';
import { type ScoreboardRow, rankScoreboard, scoreboardMarkdown, scoreboardSvg } from '../../../src/evaluation/nab/scoreboard.ts';

const published = {
  ARTime: { standard: 74.85, reward_low_FP_rate: 65.15, reward_low_FN_rate: 80.36 },
  null: { standard: 0, reward_low_FP_rate: 0, reward_low_FN_rate: 0 },
  numenta: { standard: 70.1, reward_low_FP_rate: 63.12, reward_low_FN_rate: 74.32 },
};
const ours: ScoreboardRow = { detector: 'mine', from: 'vigie', scores: { standard: 71.5, reward_low_FP_rate: 60, reward_low_FN_rate: 77 } };
const negative: ScoreboardRow = { detector: 'bad', from: 'vigie', scores: { standard: -12, reward_low_FP_rate: -40, reward_low_FN_rate: 3 } };

describe('rankScoreboard', () => {
  it('places vigie between the published detectors by standard score', () => {
    expect(rankScoreboard(published, [ours]).map((r) => r.detector)).toEqual(['ARTime', 'mine', 'numenta', 'null']);
  });
});

describe('scoreboardMarkdown', () => {
  it('prints a row per detector with the three profiles, vigie in bold', () => {
    const table = scoreboardMarkdown(rankScoreboard(published, [ours]));
    expect(table.split('\n')).toContain('| 2 | **vigie mine** | 71.50 | 60.00 | 77.00 |');
    expect(table.split('\n')).toContain('| 1 | ARTime | 74.85 | 65.15 | 80.36 |');
  });
});

describe('scoreboardSvg', () => {
  it('draws one bar per detector, vigie in its own class, lengths proportional to the scores', () => {
    const svg = scoreboardSvg(rankScoreboard(published, [ours, negative]));
    const bars = [...svg.matchAll(/<rect class="bar (\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)];
    expect(bars.map((b) => b[1])).toEqual(['NAB', 'vigie', 'NAB', 'NAB', 'vigie']);
    const width = (i: number): number => Number(bars[i]![3]);
    expect(width(0) / width(1)).toBeCloseTo(74.85 / 71.5, 6);
    expect(width(3)).toBe(0); // null
    expect(width(4) / width(1)).toBeCloseTo(12 / 71.5, 6); // a negative score is a bar to the left of 0
    expect(Number(bars[4]![2]) + width(4)).toBeCloseTo(Number(bars[3]![2]), 6);
  });
});
