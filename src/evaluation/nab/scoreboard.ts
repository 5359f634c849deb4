/**
 * NAB's scoreboard with vigie's detectors placed on it: NAB's published rows
 * (`final_results.json`) and vigie's own, scored by the same scorer, in one ranking by the
 * standard profile. Pure: the CLI reads, runs and writes.
 */
import { escapeXml } from '../../plot/chart.ts';

export const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface ScoreboardRow {
  readonly detector: string;
  /** `vigie` for vigie's detectors, `NAB` for the published ones. */
  readonly from: 'vigie' | 'NAB';
  readonly scores: Readonly<Record<ProfileName, number>>;
  /** What it is, for vigie's rows. */
  readonly description?: string;
}

/** Published rows and vigie's, best standard score first; NAB's `null` detector is the zero it is scaled to. */
export function rankScoreboard(published: Readonly<Record<string, Readonly<Record<string, number>>>>, ours: readonly ScoreboardRow[]): ScoreboardRow[] {
  const theirs = Object.entries(published).map(
    ([detector, s]): ScoreboardRow => ({
      detector,
      from: 'NAB',
      scores: { standard: s['standard'] ?? Number.NaN, reward_low_FP_rate: s['reward_low_FP_rate'] ?? Number.NaN, reward_low_FN_rate: s['reward_low_FN_rate'] ?? Number.NaN },
    }),
  );
  return [...ours, ...theirs].sort((a, b) => b.scores.standard - a.scores.standard || (a.from === 'vigie' ? -1 : 1));
}

/** The ranking as a Markdown table, vigie's rows in bold. */
export function scoreboardMarkdown(rows: readonly ScoreboardRow[]): string {
  const lines = ['| rank | detector | standard | reward_low_FP_rate | reward_low_FN_rate |', '| --- | --- | --- | --- | --- |'];
  rows.forEach((r, i) => {
    const name = r.from === 'vigie' ? `**vigie ${r.detector}**` : r.detector;
    lines.push(`| ${i + 1} | ${name} | ${PROFILES.map((p) => r.scores[p].toFixed(2)).join(' | ')} |`);
  });
  return lines.join('\n');
}

/**
 * A horizontal bar per detector (standard profile), vigie's in orange, NAB's published ones in
 * grey, as an SVG document: the picture of where vigie stands.
 */
export function scoreboardSvg(rows: readonly ScoreboardRow[], title = 'NAB standard profile: vigie beside the published scoreboard'): string {
  const bar = 22;
  const gap = 6;
  const left = 260;
  const right = 70;
  const top = 56;
  const width = 1000;
  const height = top + rows.length * (bar + gap) + 40;
  const lo = Math.min(0, ...rows.map((r) => r.scores.standard));
  const hi = 100;
  const x = (v: number): number => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="28" font-size="18" text-anchor="middle">${escapeXml(title)}</text>`,
  ];
  for (const tick of [0, 20, 40, 60, 80, 100]) {
    if (tick < lo) continue;
    parts.push(`<line class="grid" x1="${x(tick)}" y1="${top - 8}" x2="${x(tick)}" y2="${height - 30}" stroke="#dddddd"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 12}" font-size="12" text-anchor="middle">${tick}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * (bar + gap);
    const v = r.scores.standard;
    const colour = r.from === 'vigie' ? '#ff7f0e' : '#9e9e9e';
    const label = r.from === 'vigie' ? `vigie ${r.detector}` : r.detector;
    parts.push(`<text x="${left - 8}" y="${y + bar * 0.72}" font-size="13" text-anchor="end"${r.from === 'vigie' ? ' font-weight="bold"' : ''}>${escapeXml(label)}</text>`);
    parts.push(`<rect class="bar ${r.from}" x="${Math.min(x(0), x(v))}" y="${y}" width="${Math.abs(x(v) - x(0))}" height="${bar}" fill="${colour}"/>`);
    parts.push(`<text x="${Math.max(x(0), x(v)) + 6}" y="${y + bar * 0.72}" font-size="12">${v.toFixed(2)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
