/**
 * What `vigie plot` reads from a data dir's `logs/`, whichever command wrote it:
 *
 * - `vigie start` writes `readings.pkl` (the raw lines), `detections.jsonl` and
 *   `detections-<detector>.pkl`;
 * - `vigie detect sensors` writes no readings, only `<topic>-detections.jsonl` and
 *   `<topic>-detections-<detector>.pkl`: every detection holds its reading's value and time, so
 *   a topic's line is drawn from one detector's detections (one per reading).
 *
 * A JSONL log names each detection's topic and detector; a pickle log names neither, so it is
 * read only where no JSONL log of the same prefix exists (its detector is in its name, its topic
 * is the prefix, or the readings' only topic).
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodePickleList } from '../adapters/pickle/decode.ts';
import type { Mark, Point, Series } from './chart.ts';

export interface RunLogs {
  readonly series: Series[];
  readonly marks: Mark[];
}

/** Told of the n-th record read from `what`: readings or detections. */
export type OnRecord = (what: 'readings' | 'detections') => (n: number) => void;

const JSONL = /^(?:(.*)-)?detections\.jsonl$/;
const PICKLE = /^(?:(.*)-)?detections-(.+)\.pkl$/;

export async function readLogs(logs: string, progress: OnRecord): Promise<RunLogs> {
  const names = existsSync(logs) ? (await readdir(logs)).sort() : [];
  const readings = await readReadings(join(logs, 'readings.pkl'), progress('readings'));
  const fromDetections = new Points();
  const marks: Mark[] = [];
  const onDetection = progress('detections');
  let n = 0;
  const count = (): void => onDetection(++n);
  const withJsonl = new Set<string>();
  for (const name of names) {
    const m = JSONL.exec(name);
    if (!m) continue;
    withJsonl.add(m[1] ?? '');
    await readJsonl(join(logs, name), marks, fromDetections, count);
  }
  for (const name of names) {
    const m = PICKLE.exec(name);
    if (!m || withJsonl.has(m[1] ?? '')) continue;
    const topic = m[1] ?? (readings.size === 1 ? [...readings.keys()][0]! : '(unknown topic)');
    await readPickle(join(logs, name), topic, m[2]!, marks, fromDetections, count);
  }
  const series = [...readings].map(([topic, points]) => ({ topic, points }));
  for (const [topic, points] of fromDetections.byTopic) if (!readings.has(topic)) series.push({ topic, points });
  return { series, marks };
}

/** A topic's readings as one detector saw them: the first detector that logged for the topic. */
class Points {
  readonly byTopic = new Map<string, Point[]>();
  private readonly detectorOf = new Map<string, string>();

  add(topic: string, detector: string, point: Point): void {
    const chosen = this.detectorOf.get(topic);
    if (chosen === undefined) {
      this.detectorOf.set(topic, detector);
      this.byTopic.set(topic, [point]);
    } else if (chosen === detector) this.byTopic.get(topic)!.push(point);
  }
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

/** Detection objects, one a line; a torn last line (a crash mid-write) is skipped. */
async function readJsonl(path: string, marks: Mark[], points: Points, count: () => void): Promise<void> {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    count();
    let d: { topic?: unknown; time?: unknown; state?: unknown; detector?: unknown; value?: unknown };
    try {
      d = JSON.parse(line) as typeof d;
    } catch {
      continue;
    }
    if (typeof d.topic !== 'string' || typeof d.time !== 'number' || typeof d.detector !== 'string') continue;
    if (typeof d.value === 'number') points.add(d.topic, d.detector, { time: d.time, value: d.value });
    if (d.state === -2) marks.push({ topic: d.topic, time: d.time, kind: 'initialising' });
    else if (d.state === -1) marks.push({ topic: d.topic, time: d.time, kind: d.detector });
  }
}

/** `(value, time_s, state)` tuples of one detector, which name no topic. */
async function readPickle(path: string, topic: string, detector: string, marks: Mark[], points: Points, count: () => void): Promise<void> {
  for (const [value, time, state] of decodePickleList(await readFile(path), { file: path, onItem: count })) {
    const s = typeof state === 'object' && state !== null && 'int' in state ? Number(state.int) : state;
    if (typeof time !== 'number') continue;
    if (typeof value === 'number') points.add(topic, detector, { time: time * 1000, value });
    if (s === -2) marks.push({ topic, time: time * 1000, kind: 'initialising' });
    else if (s === -1) marks.push({ topic, time: time * 1000, kind: detector });
  }
}
