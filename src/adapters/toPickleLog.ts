/**
 * Writes items to a {@link PickleLog} in batches and reports each batch once it is in the file,
 * so a source commits only what Python can already read back.
 */
import { basename } from 'node:path';
import { type OperatorFunction, type SchedulerLike, concatMap, from, map, pipe } from 'rxjs';
import { batch } from '../operators/batch.ts';
import type { Written } from '../types.ts';
import type { PyTuple } from './pickle/encode.ts';
import type { PickleLog } from './pickle/pickleLog.ts';

export interface ToPickleLogOptions {
  /** How many items an append holds at most, and how long the first may wait. Default 256 and 50 ms. */
  readonly batch?: { readonly size: number; readonly lingerMs: number };
  readonly scheduler?: SchedulerLike;
  /** The sink's name in reports; `pickle:<file name>` by default. */
  readonly name?: string;
}

/**
 * Appends each item, as the tuple `toTuple` makes of it, to a pickle log, one batch per append,
 * and emits `{ sink, items }` after each. Appends run one after another, in order; an item
 * `toTuple` cannot map or pickle, or a failed write, errors the stream.
 *
 * ```
 * source:  -a-b-c-|
 *          toPickleLog(log, readingTuple, { batch: { size: 2, lingerMs: 10 } })
 * output:  ---x---(y|)     x = { sink: 'pickle:<file>', items: [a, b] }, y = { ..., items: [c] }
 * ```
 *
 * @example
 * detections$.pipe(toPickleLog(await openPickleLog('logs/detections-dbscan.pkl'), detectionTuple))
 */
export function toPickleLog<T>(
  log: PickleLog,
  toTuple: (item: T) => PyTuple,
  options: ToPickleLogOptions = {},
): OperatorFunction<T, Written<T>> {
  const { size = 256, lingerMs = 50 } = options.batch ?? {};
  const sink = options.name ?? `pickle:${basename(log.path)}`;
  return pipe(
    batch<T>({ size, lingerMs, ...(options.scheduler ? { scheduler: options.scheduler } : {}) }),
    concatMap((items) => from(log.append(items.map(toTuple))).pipe(map((): Written<T> => ({ sink, items })))),
  );
}
