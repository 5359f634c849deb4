/**
 * The training side of a learned model's features: labelled history replayed in event-time order
 * through `ruleFeatures(book)`, the operator serving runs (as `judgeByRules(book, { features: true })`),
 * into a matrix of one row per transaction: its event time, its label and its feature values
 * (NaN where a rule gives none: XGBoost's missing value). The same records in the same order give
 * the same values in training and in serving, since one engine computes both
 * (tests/streams/replayFeatures.test.ts checks it value by value across a restart).
 */
import { type Observable, map } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { VigieError } from '../errors.ts';
import { eventTime } from '../operators/rules/eventTime.ts';
import { ruleFeatures } from '../operators/rules/ruleFeatures.ts';
import type { RuleBook } from '../rules/ruleBook.ts';

/** One row per transaction, in event-time order. */
export interface FeatureMatrix {
  /** The feature names, in the order of the columns. */
  readonly names: readonly string[];
  readonly rows: number;
  /** Event time, epoch ms. */
  readonly times: Float64Array;
  /** 1 for a fraud. */
  readonly labels: Uint8Array;
  /** Row-major values, `rows × names.length`, NaN for missing. */
  readonly values: Float64Array;
}

export interface ReplayOptions {
  /** Called now and then with the rows replayed so far. */
  readonly onProgress?: (rows: number) => void;
}

/** The names of the features `book`'s rules compute (rules with a `feature`), in the book's order. */
export function featureNames(book: RuleBook, at = Number.POSITIVE_INFINITY): string[] {
  return [...new Set(book.inForceAt(at).features.map((f) => f.name))];
}

/**
 * Replays `labelled$` through `ruleFeatures(book)`, as it comes: history in event-time order (a
 * record earlier than the one before it fails the replay, naming both: sort the file first). The
 * matrix lives in typed arrays, outside the JavaScript heap, and no record is kept.
 */
export function replayFeatures(labelled$: Observable<LabelledTransaction>, book: RuleBook, options: ReplayOptions = {}): Promise<FeatureMatrix> {
  const names = featureNames(book);
  const width = names.length;
  let capacity = 1 << 16;
  let times = new Float64Array(capacity);
  let labels = new Uint8Array(capacity);
  let values = new Float64Array(capacity * width);
  let rows = 0;
  let arrived = 0;
  let last = Number.NEGATIVE_INFINITY;
  const records$ = labelled$.pipe(
    map((labelled) => {
      const time = eventTime(labelled.record.transaction);
      if (time < last) {
        const { ref } = labelled.record;
        throw new VigieError('FILE_INVALID', `not in event-time order: ${labelled.record.transaction.timestamp} comes after ${new Date(last).toISOString()}; sort the history by time first`, {
          where: { source: ref.source, offset: ref.offset },
        });
      }
      last = time;
      if (arrived === capacity) {
        capacity *= 2;
        times = grow(times, capacity);
        labels = grow(labels, capacity);
        values = grow(values, capacity * width);
      }
      times[arrived] = time;
      labels[arrived] = labelled.fraud ? 1 : 0;
      arrived++;
      return labelled.record;
    }),
    ruleFeatures(book),
  );
  return new Promise((resolve, reject) => {
    records$.subscribe({
      // one row per record, at its arrival, in arrival order
      next: ({ features }) => {
        const at = rows * width;
        for (let j = 0; j < width; j++) {
          const v = features[names[j]!];
          values[at + j] = v === null || v === undefined ? Number.NaN : v;
        }
        rows++;
        if (rows % 10_000 === 0) options.onProgress?.(rows);
      },
      error: reject,
      complete: () => {
        options.onProgress?.(rows);
        resolve({ names, rows, times: times.subarray(0, rows), labels: labels.subarray(0, rows), values: values.subarray(0, rows * width) });
      },
    });
  });
}

function grow<T extends Float64Array | Uint8Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}
