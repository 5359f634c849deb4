/**
 * `vigie plot`: the prototype's chart, drawn from the logs a run left in its data dir, so a user
 * can look at a run afterwards without Python or matplotlib: `vigie start`'s logs or
 * `vigie detect sensors`' (see ../../plot/readLogs.ts). Logs with no reading in them are an
 * error naming where it looked, never an empty chart that looks like a quiet run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { renderChart } from '../../plot/chart.ts';
import { PNG_UNAVAILABLE, svgToPng } from '../../plot/png.ts';
import { readLogs } from '../../plot/readLogs.ts';
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
  const { series, marks } = await readLogs(logs, progress);
  if (series.every((s) => s.points.length === 0)) {
    throw new VigieError('NO_DATA', `no readings to plot in ${logs}: it holds no readings.pkl and no detections log (*detections.jsonl, *detections-<detector>.pkl) with a reading in it; is --data-dir the one the run used?`);
  }
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
  const counts = new Map<string, number>([['dbscan', 0], ['isolation-forest', 0]]);
  for (const m of marks) if (m.kind !== 'initialising') counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  const initialising = marks.length - [...counts.values()].reduce((a, b) => a + b, 0);
  const points = series.reduce((n, s) => n + s.points.length, 0);
  const anomalies = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  console.log(`${points} points in ${series.length} topics; marks: ${anomalies}, ${initialising} initialising`);
}
