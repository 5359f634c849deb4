/**
 * A JSON Lines log: one JSON object per line, appended in batches through a kept-open file, so a
 * batch costs one write whatever the file's size and `tail -f` shows results as they come.
 */
import { mkdir, open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type OperatorFunction, type SchedulerLike, concatMap, from, map, pipe } from 'rxjs';
import { VigieError } from '../errors.ts';
import { batch } from '../operators/batch.ts';
import type { Written } from '../types.ts';

export interface JsonlLog {
  readonly path: string;
  append(records: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function openJsonlLog(path: string): Promise<JsonlLog> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'a');
  let queue: Promise<void> = Promise.resolve();
  return {
    path,
    append(records) {
      // one string grown in place: no array of lines beside it
      let text = '';
      for (const record of records) text += `${JSON.stringify(record)}\n`;
      // Serialised: two batches appended at once must not interleave.
      queue = queue.then(async () => {
        try {
          await file.write(text);
        } catch (cause) {
          throw new VigieError('SINK_WRITE_FAILED', 'cannot append to the JSONL log', { where: { file: path }, cause });
        }
      });
      return queue;
    },
    close: () => queue.then(() => file.close()),
  };
}

export interface ToJsonlLogOptions<T> {
  readonly batch?: { readonly size: number; readonly lingerMs: number };
  readonly scheduler?: SchedulerLike;
  /** What to write for an item; the item itself by default. */
  readonly toRecord?: (item: T) => unknown;
}

/**
 * Appends each item as one JSON line, in batches, and reports each written batch downstream.
 *
 * ```
 * source:  -a-b-c-|
 *          toJsonlLog(log, { batch: { size: 2, lingerMs: 10 } })
 * output:  ---x---(y|)     x = { sink: 'jsonl:<file>', items: [a, b] }, y = { ..., items: [c] }
 * ```
 */
export function toJsonlLog<T>(log: JsonlLog, options: ToJsonlLogOptions<T> = {}): OperatorFunction<T, Written<T>> {
  const { size = 256, lingerMs = 50 } = options.batch ?? {};
  const toRecord = options.toRecord ?? ((item: T) => item);
  const sink = `jsonl:${basename(log.path)}`;
  return pipe(
    batch<T>({ size, lingerMs, ...(options.scheduler ? { scheduler: options.scheduler } : {}) }),
    concatMap((items) => from(log.append(items.map(toRecord))).pipe(map(() => ({ sink, items })))),
  );
}
