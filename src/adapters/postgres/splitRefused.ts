/**
 * Finds the rows at fault in a batch the database refused for its data: the batch is split in
 * {@link SPLIT} parts, each part written again and split again when refused, until the rows at
 * fault stand alone. They come out `refused` with the database's reason; the others are written.
 * One bad row costs about 16 log16(batch) writes (48 in a batch of 5000) and never stops the
 * stream. Any other error goes on as it came: the caller retries or stops.
 *
 * ```
 * rows = [a, b, c], c out of its column's range, write(part) refuses every part holding c:
 * splitRefused(rows, write):  write([a, b, c]) ✗ → write([a]) ✓ write([b]) ✓ write([c]) ✗
 * output:                     ---(x|)     x = { items: [a, b], refused: [{ item: c, reason: '... (SQLSTATE 22003)' }] }
 * ```
 *
 * @example
 * splitRefused(rows, (part) => defer(() => pool.query(table.sql, table.params(part))))
 */
import { type Observable, catchError, concat, map, of, reduce, throwError, toArray } from 'rxjs';
import type { Refused } from '../../types.ts';
import { dataError } from './databaseErrors.ts';

/**
 * A refused batch is split in this many parts, not 2: halving re-sends nearly the whole batch at
 * each of its log2(size) levels, and in `npx tsx bench/poisonSplit.ts` the rows re-sent cost
 * more than the extra INSERTs of a wider split.
 */
const SPLIT = 16;

export interface SplitOutcome<T> {
  /** The rows whose write succeeded, in their order. */
  readonly items: T[];
  readonly refused: Refused<T>[];
}

/**
 * @param write Writes one part; it errors with the database's error (a `code` of its own or as
 *   the `cause` of a VigieError) when the database refuses it.
 */
export function splitRefused<T>(rows: readonly T[], write: (part: T[]) => Observable<unknown>): Observable<SplitOutcome<T>> {
  const attempt = (part: T[]): Observable<SplitOutcome<T>> =>
    write(part).pipe(
      toArray(), // once the write completed, whatever it emitted
      map((): SplitOutcome<T> => ({ items: part, refused: [] })),
      catchError((error: unknown) => {
        const reason = dataError(error);
        if (reason === undefined) return throwError(() => error);
        if (part.length === 1) return of({ items: [], refused: [{ item: part[0]!, reason }] });
        const size = Math.ceil(part.length / SPLIT);
        const parts = Array.from({ length: Math.ceil(part.length / size) }, (_, i) => part.slice(i * size, (i + 1) * size));
        return concat(...parts.map(attempt)).pipe(
          reduce((a, b) => ({ items: [...a.items, ...b.items], refused: [...a.refused, ...b.refused] })),
        );
      }),
    );
  return attempt([...rows]);
}
