/**
 * The corpus streamed through operators: on a hand-made corpus in a temporary folder, each row's
 * score is what the operator said of that row, windows land on the right rows, and a detector that
 * loses or reorders readings is refused with the file named.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, mergeMap, pipe, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { detectWith } from '../../../src/operators/detectWith.ts';
import { warmUp } from '../../../src/operators/warmUp.ts';
import { nabTime, streamCorpus } from '../../../src/evaluation/nab/stream.ts';
import type { Reading } from '../../../src/types.ts';

const root = mkdtempSync(join(tmpdir(), 'vigie-nab-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const stamp = (i: number): string => new Date(Date.UTC(2014, 0, 1, 0, 5 * i)).toISOString().slice(0, 19).replace('T', ' ');
function corpus(files: Record<string, number[]>, windows: Record<string, [number, number][]>): string {
  const dir = mkdtempSync(join(root, 'c-'));
  mkdirSync(join(dir, 'nab', 'labels'), { recursive: true });
  for (const [name, values] of Object.entries(files)) {
    mkdirSync(join(dir, 'nab', 'data', name.split('/')[0]!), { recursive: true });
    writeFileSync(join(dir, 'nab', 'data', name), `timestamp,value\n${values.map((v, i) => `${stamp(i)},${v}`).join('\n')}\n`);
  }
  const labels = Object.fromEntries(Object.entries(windows).map(([name, ws]) => [name, ws.map(([a, b]) => [`${stamp(a)}.000000`, `${stamp(b)}.000000`])]));
  writeFileSync(join(dir, 'nab', 'labels', 'combined_windows.json'), JSON.stringify(labels));
  return dir;
}

// newest value / 100 once two values have arrived
const byValue = () => pipe(warmUp<Reading>(2), detectWith('by-value', (values) => ({ anomaly: false, score: values[values.length - 1]! / 100 })));

describe('streamCorpus', () => {
  it("scores each row with what the operator said of it, initialising rows 0, in every labelled file", async () => {
    const dir = corpus({ 'a/one.csv': [10, 20, 30, 40], 'b/two.csv': [5, 50, 95] }, { 'a/one.csv': [[1, 2]], 'b/two.csv': [] });
    const seen: string[] = [];
    const files = await streamCorpus(dir, byValue, (f, i, total) => seen.push(`${i + 1}/${total} ${f.name}`));
    expect(seen).toEqual(['1/2 a/one.csv', '2/2 b/two.csv']);
    expect(Array.from(files[0]!.scores)).toEqual([0, 0.2, 0.3, 0.4]);
    expect(files[0]!.windows).toEqual([{ start: 1, end: 2 }]);
    expect(Array.from(files[1]!.scores)).toEqual([0, 0.5, 0.95]);
    expect(files[1]!.timestamps[2]).toBe(stamp(2));
  });

  it('gives each file a fresh detector', async () => {
    const dir = corpus({ 'a/one.csv': [1, 2, 3], 'a/two.csv': [7, 8] }, { 'a/one.csv': [], 'a/two.csv': [] });
    // warmUp(2): the first row of every file initialises, whatever came before it in another file
    const files = await streamCorpus(dir, byValue);
    expect(files.map((f) => f.scores[0])).toEqual([0, 0]);
  });

  it('refuses a detector that drops readings, naming the file', async () => {
    const dir = corpus({ 'a/one.csv': [1, 2, 3] }, { 'a/one.csv': [] });
    const dropping = () => pipe(byValue(), filter((d) => d.value !== 2));
    await expect(streamCorpus(dir, dropping)).rejects.toThrow(/2 detections for 3 rows.*a\/one\.csv|a\/one\.csv.*2 detections for 3 rows/s);
  });

  it('refuses a detector that reorders readings', async () => {
    const dir = corpus({ 'a/one.csv': [1, 2, 3] }, { 'a/one.csv': [] });
    const reordering = () => pipe(byValue(), toArray(), mergeMap((all) => all.reverse()));
    await expect(streamCorpus(dir, reordering)).rejects.toThrow(/detection 0 is for row 2/);
  });
});

describe('nabTime', () => {
  it('reads NAB timestamps as UTC and refuses what is not a date', () => {
    expect(nabTime('2014-04-01 00:05:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(() => nabTime('yesterday')).toThrow(/NAB timestamp "yesterday" is not a date/);
  });
});
