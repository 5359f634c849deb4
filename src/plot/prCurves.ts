/**
 * Precision–recall curves as SVG text: recall across, precision up, one curve per method (a
 * rule, the rule set), each a step line through its thresholds, its average precision in the
 * legend. Every curve is one element with a class (`curve amount`, `curve set`) so that tests can
 * find it. A pure function (no I/O): the caller writes the file and makes the PNG (`svgToPng`).
 *
 * A curve has one point per distinct score, which can be a million: it is reduced to the points
 * that move it by at least a thousandth of the plot's side, which draws the same picture.
 */
import { escapeXml, niceTicks } from './chart.ts';

export interface PrCurve {
  readonly name: string;
  /** The curve from the highest threshold down (recall rising), as `ScoreCounts.curve()` gives it. */
  readonly points: readonly { readonly precision: number; readonly recall: number }[];
  readonly averagePrecision: number;
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const SET_COLOUR = '#000000';
const WIDTH = 900;
const HEIGHT = 640;
const LEFT = 72;
const RIGHT = 260; // the legend
const TOP = 48;
const BOTTOM = 56;

/** The SVG's size: what the PNG measures too. */
export const PR_CURVES_SIZE = { width: WIDTH, height: HEIGHT } as const;

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** The curves (each from (0, its first precision) to its last recall) on one recall–precision plot. */
export function prCurvesSvg(curves: readonly PrCurve[], title = 'precision–recall'): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (recall: number): number => LEFT + recall * plotW;
  const y = (precision: number): number => TOP + (1 - precision) * plotH;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text class="title" x="${LEFT + plotW / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
    `<rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
  ];
  for (const v of niceTicks(0, 1, 5)) {
    out.push(`<line class="grid" x1="${fmt(x(v))}" x2="${fmt(x(v))}" y1="${TOP}" y2="${TOP + plotH}" stroke="#eeeeee"/>`);
    out.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + plotW}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#eeeeee"/>`);
    out.push(`<text class="tick" x="${fmt(x(v))}" y="${TOP + plotH + 16}" text-anchor="middle">${v}</text>`);
    out.push(`<text class="tick" x="${LEFT - 6}" y="${fmt(y(v))}" text-anchor="end" dominant-baseline="middle">${v}</text>`);
  }
  out.push(`<text x="${LEFT + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle">recall</text>`);
  out.push(`<text x="18" y="${TOP + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${TOP + plotH / 2})">precision</text>`);
  curves.forEach((curve, i) => {
    const colour = curve.name === 'set' ? SET_COLOUR : COLOURS[i % COLOURS.length]!;
    const width = curve.name === 'set' ? 2.5 : 1.5;
    const coords = stepPoints(curve.points).map(([r, p]) => `${fmt(x(r))},${fmt(y(p))}`).join(' ');
    out.push(`<polyline class="curve ${escapeXml(curve.name)}" fill="none" stroke="${colour}" stroke-width="${width}" points="${coords}"/>`);
    const ly = TOP + 12 + i * 22;
    out.push(`<line x1="${WIDTH - RIGHT + 16}" x2="${WIDTH - RIGHT + 44}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="${width}"/>`);
    out.push(`<text class="legend" x="${WIDTH - RIGHT + 50}" y="${ly}" dominant-baseline="middle">${escapeXml(curve.name)}: AP ${curve.averagePrecision.toFixed(3)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * The step line of a curve, as sklearn's AP reads it: each threshold's precision held over the
 * recall it adds, from recall 0. A point that moves the line by less than a thousandth of the plot
 * is left out (the first and the last are always kept).
 */
export function stepPoints(points: PrCurve['points']): [number, number][] {
  const out: [number, number][] = [];
  let lastR = 0;
  let lastP = Number.NaN;
  points.forEach(({ recall, precision }, i) => {
    if (i > 0 && i < points.length - 1 && recall - lastR < 1e-3 && Math.abs(precision - lastP) < 1e-3) return;
    out.push([lastR, precision], [recall, precision]);
    [lastR, lastP] = [recall, precision];
  });
  return out;
}
