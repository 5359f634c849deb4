/**
 * The prototype's display, as SVG text: one panel per topic, the reference readings as a blue
 * line, and at each logged detection a full-height vertical line, red for a DBSCAN anomaly, green
 * for an IsolationForest anomaly, black for initialisation (which the prototype meant to draw but
 * never did: it looked for state 2 where the consumer wrote -2), and a colour of its own for each
 * other detector's anomaly (the live flows run any detector of the catalogue).
 *
 * A pure function (no I/O, no clock) so that tests can count what it draws. The line is reduced
 * to at most four points per pixel column (first, min, max, last: M4), which draws the same
 * pixels as the full series, so a million readings render in a fraction of a second; marks are
 * never reduced, since a single anomaly is the point of the chart. Every mark is one element
 * with a class (`mark dbscan`, `mark isolation-forest`, `mark initialising`, `mark contextual+art`...).
 *
 * All panels share one time axis, spanning every reading and every mark, so the panels line up
 * and a mark at either end stays in view. Times are epoch milliseconds, shown as local HH:MM:SS.
 */

export interface Point {
  readonly time: number;
  readonly value: number;
}

export interface Series {
  readonly topic: string;
  readonly points: readonly Point[];
}

/** `initialising`, or the name of the detector that found the anomaly (`dbscan`, `contextual+art`...). */
export type MarkKind = string;

export interface Mark {
  readonly topic: string;
  readonly time: number;
  readonly kind: MarkKind;
}

export interface ChartOptions {
  readonly width?: number;
  readonly heightPerPanel?: number;
  readonly title?: string;
}

export const MARK_COLOURS: Readonly<Record<string, string>> = {
  dbscan: '#d62728',
  'isolation-forest': '#2ca02c',
  initialising: '#000000',
  'contextual+art': '#9467bd',
  contextual: '#ff7f0e',
  art: '#8c564b',
  'half-space-trees+likelihood': '#e377c2',
  'robust-z-score+likelihood': '#17becf',
};
/** For a detector the table does not name. */
const OTHER_COLOURS = ['#bcbd22', '#7f7f7f', '#aec7e8', '#ffbb78'];
const LINE_COLOUR = '#1f77b4';
const LABELS: Readonly<Record<string, string>> = { dbscan: 'DBSCAN anomaly', 'isolation-forest': 'IsolationForest anomaly', initialising: 'initialisation' };
/** The prototype's pair: the legend shows them even when nothing was flagged. */
const PROTOTYPE: readonly MarkKind[] = ['dbscan', 'isolation-forest'];
// The IsolationForest line is dashed so that a reading both detectors flag shows both colours.
const DASHED = new Set<MarkKind>(['isolation-forest']);
const DASH = '6 4';

const HEADER = 64; // title and legend
const FOOTER = 8;
const LEFT = 72;
const RIGHT = 24;
const PANEL_TOP = 24; // the topic's name
const PANEL_BOTTOM = 28; // the time labels

/** The SVG's size for `panels` panels: what the PNG will measure too. */
export function chartSize(panels: number, options: ChartOptions = {}): { width: number; height: number } {
  const width = options.width ?? 1200;
  const heightPerPanel = options.heightPerPanel ?? 300;
  return { width, height: HEADER + Math.max(panels, 1) * heightPerPanel + FOOTER };
}

/**
 * Renders the readings and marks as an SVG document.
 *
 * @param series one line per topic; the points need not be sorted
 * @param marks vertical lines, each in the panel of its topic (a topic with marks but no readings gets a panel)
 * @return the SVG text
 */
export function renderChart(series: readonly Series[], marks: readonly Mark[], options: ChartOptions = {}): string {
  const width = options.width ?? 1200;
  const heightPerPanel = options.heightPerPanel ?? 300;
  const title = options.title ?? 'vigie: readings and detections';
  const topics = [...new Set([...series.map((s) => s.topic), ...marks.map((m) => m.topic)])];
  const { height } = chartSize(topics.length, options);
  const plotW = Math.max(width - LEFT - RIGHT, 1);
  const plotH = Math.max(heightPerPanel - PANEL_TOP - PANEL_BOTTOM, 1);

  let t0 = Infinity;
  let t1 = -Infinity;
  for (const s of series) for (const p of s.points) if (Number.isFinite(p.value)) { if (p.time < t0) t0 = p.time; if (p.time > t1) t1 = p.time; }
  for (const m of marks) { if (m.time < t0) t0 = m.time; if (m.time > t1) t1 = m.time; }
  if (!(t0 <= t1)) [t0, t1] = [0, 1000];
  if (t0 === t1) [t0, t1] = [t0 - 500, t1 + 500];
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * plotW;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text class="title" x="${width / 2}" y="24" text-anchor="middle" font-size="18">${escapeXml(title)}</text>`,
  ];
  // Drawn first to last: the many initialisation lines must not hide an anomaly.
  const kinds = [...new Set(marks.map((m) => m.kind))].filter((k) => k !== 'initialising');
  const drawn: MarkKind[] = ['initialising', ...PROTOTYPE.filter((k) => kinds.includes(k)), ...kinds.filter((k) => !PROTOTYPE.includes(k)).sort()];
  const colour = (kind: MarkKind): string => MARK_COLOURS[kind] ?? OTHER_COLOURS[drawn.indexOf(kind) % OTHER_COLOURS.length]!;
  const shown = kinds.length === 0 || kinds.every((k) => PROTOTYPE.includes(k)) ? [...PROTOTYPE, 'initialising'] : [...drawn.slice(1), 'initialising'];
  out.push(legend(width, shown.map((k): [string, string, boolean] => [LABELS[k] ?? `${k} anomaly`, colour(k), DASHED.has(k)])));
  if (topics.length === 0) out.push(`<text x="${width / 2}" y="${HEADER + heightPerPanel / 2}" text-anchor="middle">no readings and no detections</text>`);

  const timeTicks = ticksOfTime(t0, t1);
  topics.forEach((topic, i) => {
    const top = HEADER + i * heightPerPanel + PANEL_TOP;
    const points = series.filter((s) => s.topic === topic).flatMap((s) => (s.points as Point[]));
    const finite = points.filter((p) => Number.isFinite(p.value));
    let v0 = Infinity;
    let v1 = -Infinity;
    for (const p of finite) { if (p.value < v0) v0 = p.value; if (p.value > v1) v1 = p.value; }
    if (!(v0 <= v1)) [v0, v1] = [0, 1];
    const yTicks = niceTicks(v0, v1, 5);
    const lo = Math.min(v0, yTicks[0]!);
    const hi = Math.max(v1, yTicks[yTicks.length - 1]!);
    const span = hi - lo || 1;
    const y = (v: number): number => top + plotH - ((v - lo) / span) * plotH;

    out.push(`<g class="panel" data-topic="${escapeXml(topic)}">`);
    out.push(`<text class="topic" x="${LEFT}" y="${top - 8}" font-size="14" font-weight="bold">${escapeXml(topic)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`);
    for (const t of timeTicks) {
      const tx = fmt(x(t));
      out.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${top}" y2="${top + plotH}" stroke="#eeeeee"/>`);
      out.push(`<text class="tick time" x="${tx}" y="${top + plotH + 16}" text-anchor="middle">${formatTime(t, t1 - t0)}</text>`);
    }
    for (const v of yTicks) {
      const ty = fmt(y(v));
      out.push(`<line class="grid" x1="${LEFT}" x2="${LEFT + plotW}" y1="${ty}" y2="${ty}" stroke="#eeeeee"/>`);
      out.push(`<text class="tick value" x="${LEFT - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatValue(v, yTicks))}</text>`);
    }
    const line = minMaxPerColumn(finite, t0, t1, plotW);
    if (line.length > 0) {
      const coords = line.map((p) => `${fmt(x(p.time))},${fmt(y(p.value))}`).join(' ');
      out.push(`<polyline class="series" fill="none" stroke="${LINE_COLOUR}" stroke-width="1.2" points="${coords}"/>`);
    }
    for (const kind of drawn) {
      const style = kind === 'initialising' ? ' stroke-opacity="0.35"' : DASHED.has(kind) ? ` stroke-width="1.5" stroke-dasharray="${DASH}"` : '';
      for (const m of marks) {
        if (m.topic !== topic || m.kind !== kind) continue;
        const mx = fmt(x(m.time));
        out.push(`<line class="mark ${escapeXml(kind)}" x1="${mx}" x2="${mx}" y1="${top}" y2="${top + plotH}" stroke="${colour(kind)}"${style}/>`);
      }
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * At most four points per pixel column (first, min, max, last in time order): the same pixels
 * as the whole line, in one pass. Points out of time order are sorted first.
 */
export function minMaxPerColumn(points: readonly Point[], t0: number, t1: number, columns: number): Point[] {
  let sorted = points;
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.time < points[i - 1]!.time) { sorted = [...points].sort((a, b) => a.time - b.time); break; }
  }
  const out: Point[] = [];
  const scale = columns / (t1 - t0 || 1);
  let col = NaN;
  let first = 0, last = 0, min = 0, max = 0;
  const flush = (): void => {
    for (const i of [...new Set([first, min, max, last])].sort((a, b) => a - b)) out.push(sorted[i]!);
  };
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    const c = Math.min(Math.max(Math.floor((p.time - t0) * scale), 0), columns - 1);
    if (c !== col) {
      if (i > 0) flush();
      col = c;
      first = last = min = max = i;
      continue;
    }
    last = i;
    if (p.value < sorted[min]!.value) min = i;
    if (p.value > sorted[max]!.value) max = i;
  }
  if (sorted.length > 0) flush();
  return out;
}

/** The reading's line, then `[label, colour, dashed]` for each kind of mark. */
function legend(width: number, items: readonly [string, string, boolean][]): string {
  const all: [string, string, boolean][] = [['reading', LINE_COLOUR, false], ...items];
  const itemW = Math.min(200, width / all.length);
  let lx = width / 2 - (all.length * itemW) / 2;
  const parts = ['<g class="legend">'];
  for (const [label, colour, dashed] of all) {
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="46" y2="46" stroke="${colour}" stroke-width="2"${dashed ? ` stroke-dasharray="${DASH}"` : ''}/>`);
    parts.push(`<text x="${lx + 30}" y="50">${escapeXml(label)}</text>`);
    lx += itemW;
  }
  parts.push('</g>');
  return parts.join('');
}

const TIME_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  1e3, 2e3, 3e3, 5e3, 10e3, 15e3, 20e3, 30e3,
  60e3, 120e3, 180e3, 300e3, 600e3, 900e3, 1200e3, 1800e3,
  3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3,
];

/** Round instants between t0 and t1: the smallest round step that gives at most 8 of them. */
export function ticksOfTime(t0: number, t1: number): number[] {
  const step = TIME_STEPS_MS.find((s) => Math.floor(t1 / s) - Math.ceil(t0 / s) + 1 <= 8) ?? Math.ceil((t1 - t0) / 7 / 86400e3) * 86400e3;
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks;
}

/** About `count` round values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (lo === hi) { lo -= Math.abs(lo) / 10 || 1; hi += Math.abs(hi) / 10 || 1; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function formatTime(t: number, span: number): string {
  const d = new Date(t);
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return span < 8000 ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : hms;
}

function formatValue(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return v.toFixed(decimals);
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Text for an SVG text node or attribute. */
export function escapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex -- XML 1.0 cannot hold these at all
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '\ufffd').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
