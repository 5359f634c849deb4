/**
 * `vigie plot`: the prototype's chart, drawn from the logs a run left in its data dir, so a user
 * can look at a run afterwards without Python or matplotlib. The readings come from
 * `logs/readings.pkl` (the only log that holds them); the detections from `logs/detections.jsonl`,
 * which carries each detection's topic, or, when it is missing, from the two pickle detection
 * logs, which do not (their marks then go to the readings' topic if there is only one).
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { decodePickleList } from '../../adapters/pickle/decode.ts';
import { type Mark, type MarkKind, type Point, renderChart } from '../../plot/chart.ts';
import { PNG_UNAVAILABLE, svgToPng } from '../../plot/png.ts';
import { VigieError } from '../../errors.ts';
import { fail } from '../fail.ts';
import { progress as progressBar } from '../progress.ts';

const PROGRESS_EVERY = 100_000;

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description("draw the readings and detections of a run's logs as chart.svg and chart.png")
    .option('--data-dir <dir>', 'the data dir of the run', '.vigie')
    .option('--out <dir>', 'where to write the charts (default <data-dir>/plots)')
    .option('--width <px>', 'chart width in pixels', '1200')
    .action(async (flags: { dataDir: string; out?: string; width: string }) => {
      try {
        const width = Number(flags.width);
        if (!Number.isInteger(width) || width < 200 || width > 20000) {
          throw new VigieError('CONFIG_INVALID', `--width must be a whole number of pixels from 200 to 20000, got ${flags.width}`);
        }
        await plot(resolve(flags.dataDir), resolve(flags.out ?? join(flags.dataDir, 'plots')), width);
      } catch (error) {
        fail(error);
      }
    });
}

async function plot(dataDir: string, outDir: string, width: number): Promise<void> {
  const logs = join(dataDir, 'logs');
  // a bar on a terminal; otherwise a plain line every PROGRESS_EVERY records
  const progress = (what: string) => {
    const bar = process.stderr.isTTY ? progressBar(`plot: reading ${what}`) : null;
    return (n: number): void => {
      if (n % PROGRESS_EVERY !== 0) return;
      if (bar) bar.update(n);
      else process.stderr.write(`plot: ${n} ${what} read\n`);
    };
  };
  const readings = await readReadings(join(logs, 'readings.pkl'), progress('readings'));
  const jsonl = join(logs, 'detections.jsonl');
  const marks = existsSync(jsonl)
    ? await readJsonlMarks(jsonl, progress('detections'))
    : await readPickleMarks(logs, readings.size === 1 ? [...readings.keys()][0]! : '(unknown topic)', progress('detections'));

  const series = [...readings].map(([topic, points]) => ({ topic, points }));
  const svg = renderChart(series, marks, { width, title: `vigie: ${dataDir}` });
  await mkdir(outDir, { recursive: true });
  const svgPath = join(outDir, 'chart.svg');
  await writeFile(svgPath, svg);
  console.log(`SVG: ${svgPath}`);
  const png = svgToPng(svg);
  if (png) {
    const pngPath = join(outDir, 'chart.png');
    await writeFile(pngPath, png);
    console.log(`PNG: ${pngPath}`);
  } else {
    console.log(`PNG: none, ${PNG_UNAVAILABLE}`);
  }
  const count = (kind: MarkKind): number => marks.filter((m) => m.kind === kind).length;
  const points = series.reduce((n, s) => n + s.points.length, 0);
  console.log(`${points} points in ${series.length} topics; marks: ${count('dbscan')} dbscan, ${count('isolation-forest')} isolation-forest, ${count('initialising')} initialising`);
}

/** `(line, time_s)` tuples, the line `topic!value` split at its last `!`; lines that do not parse are skipped. */
async function readReadings(path: string, onItem: (n: number) => void): Promise<Map<string, Point[]>> {
  const byTopic = new Map<string, Point[]>();
  if (!existsSync(path)) return byTopic;
  for (const [line, time] of decodePickleList(await readFile(path), { file: path, onItem })) {
    if (typeof line !== 'string' || typeof time !== 'number') continue;
    const bang = line.lastIndexOf('!');
    const value = Number(line.slice(bang + 1).trim());
    if (bang < 0 || line.slice(bang + 1).trim() === '' || !Number.isFinite(value)) continue;
    const topic = line.slice(0, bang);
    let points = byTopic.get(topic);
    if (!points) byTopic.set(topic, (points = []));
    points.push({ time: time * 1000, value });
  }
  return byTopic;
}

const KINDS: Record<string, MarkKind> = { dbscan: 'dbscan', 'isolation-forest': 'isolation-forest' };

/** Detection objects, one a line; a torn last line (a crash mid-write) is skipped. */
async function readJsonlMarks(path: string, onItem: (n: number) => void): Promise<Mark[]> {
  const marks: Mark[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    onItem(++n);
    let d: { topic?: unknown; time?: unknown; state?: unknown; detector?: unknown };
    try {
      d = JSON.parse(line) as typeof d;
    } catch {
      continue;
    }
    if (typeof d.topic !== 'string' || typeof d.time !== 'number') continue;
    if (d.state === -2) marks.push({ topic: d.topic, time: d.time, kind: 'initialising' });
    else if (d.state === -1 && typeof d.detector === 'string' && KINDS[d.detector]) marks.push({ topic: d.topic, time: d.time, kind: KINDS[d.detector]! });
  }
  return marks;
}

/** `(value, time_s, state)` tuples from the two pickle detection logs, which name no topic. */
async function readPickleMarks(logs: string, topic: string, onItem: (n: number) => void): Promise<Mark[]> {
  const marks: Mark[] = [];
  for (const [file, kind] of [['detections-dbscan.pkl', 'dbscan'], ['detections-isolation-forest.pkl', 'isolation-forest']] as const) {
    const path = join(logs, file);
    if (!existsSync(path)) continue;
    for (const [, time, state] of decodePickleList(await readFile(path), { file: path, onItem })) {
      const s = typeof state === 'object' && state !== null && 'int' in state ? Number(state.int) : state;
      if (typeof time !== 'number') continue;
      if (s === -2) marks.push({ topic, time: time * 1000, kind: 'initialising' });
      else if (s === -1) marks.push({ topic, time: time * 1000, kind });
    }
  }
  return marks;
}
