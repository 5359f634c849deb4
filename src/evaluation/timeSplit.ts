/**
 * A labelled CSV cut in two by time, never at random: the first `fraction` of its rows (in event
 * time order) for training, the rest for the test, written as two CSV files with the same header,
 * so that whatever trains sees only the first file and cannot choose anything on the second.
 *
 * The file must already be in event-time order (ULB's is, by `Time`; the simulated bank's and
 * PaySim's are): a row earlier than the one before it is an error naming its line, since a cut by
 * position would then not be a cut by time. The cut is by rows, at floor(fraction × rows); rows
 * with the same time on both sides of it stay in file order.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { lastValueFrom, reduce } from 'rxjs';
import { fromLabelledCsv } from '../adapters/labelledCsv.ts';
import { invalidLine } from '../adapters/csvColumns.ts';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { eventTime } from '../operators/rules/eventTime.ts';

/** One side of the cut. */
export interface SplitPart {
  readonly file: string;
  readonly rows: number;
  readonly frauds: number;
  /** Event times (epoch ms) of its first and last rows. */
  readonly from: number;
  readonly to: number;
}

export interface TimeSplit {
  readonly train: SplitPart;
  readonly test: SplitPart;
}

interface Tally {
  rows: number;
  previous: number;
  /** Per row, in order: its event time and label (a bit per row would do; 284 807 rows is 2 MB). */
  readonly times: number[];
  readonly frauds: boolean[];
}

/**
 * Cuts `path` into `trainFile` (its first floor(fraction × rows) rows) and `testFile` (the rest).
 *
 * @param fraction the training share, strictly between 0 and 1 (0.7: the first 70 %).
 */
export async function splitByTime(path: string, fraction: number, trainFile: string, testFile: string): Promise<TimeSplit> {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`splitByTime: fraction must be strictly between 0 and 1, got ${fraction}`);
  const tally = await lastValueFrom(
    fromLabelledCsv(path).pipe(
      reduce<LabelledTransaction, Tally>(
        (t, { record, fraud }) => {
          const time = eventTime(record.transaction);
          if (time < t.previous) throw invalidLine(path, record.ref.offset, `earlier than the row before it: the file is not in time order, so a cut by rows is not a cut by time`);
          t.previous = time;
          t.rows++;
          t.times.push(time);
          t.frauds.push(fraud);
          return t;
        },
        { rows: 0, previous: Number.NEGATIVE_INFINITY, times: [], frauds: [] },
      ),
    ),
    { defaultValue: { rows: 0, previous: 0, times: [], frauds: [] } },
  );
  const cut = Math.floor(fraction * tally.rows);
  if (cut === 0 || cut === tally.rows) throw invalidLine(path, 1, `${tally.rows} rows: too few to cut ${fraction} of them for training and keep some for the test`);
  await copyLines(path, cut, trainFile, testFile);
  const part = (file: string, start: number, end: number): SplitPart => ({
    file,
    rows: end - start,
    frauds: tally.frauds.slice(start, end).filter(Boolean).length,
    from: tally.times[start]!,
    to: tally.times[end - 1]!,
  });
  return { train: part(trainFile, 0, cut), test: part(testFile, cut, tally.rows) };
}

/** The header to both files, the first `cut` non-empty lines after it to `first`, the others to `second`. */
async function copyLines(path: string, cut: number, first: string, second: string): Promise<void> {
  const outs = [createWriteStream(first), createWriteStream(second)] as const;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let header: string | null = null;
  let rows = 0;
  for await (const line of lines) {
    if (header === null) {
      header = line;
      for (const out of outs) out.write(`${line}\n`);
      continue;
    }
    if (line === '') continue;
    const out = outs[rows++ < cut ? 0 : 1];
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  await Promise.all(outs.map((out) => new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))));
}
