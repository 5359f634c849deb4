/**
 * A CSV file with a header line read row by row, its columns found by name: what the labelled
 * CSV readers (the simulated bank's, ULB's) share. Fields hold no comma or line break (these
 * files have none); with `unquoted`, a field in double quotes is read without them. A row with another number of
 * fields than the header, or one the caller's reader refuses (it throws), ends the stream with
 * the error: a labelled file with a bad row is a broken file, and a score over what is left of it
 * would mislead.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Observable } from 'rxjs';
import { VigieError } from '../errors.ts';

/** `path:line: what`, the error of a file that does not read. */
export function invalidLine(path: string, line: number, what: string): VigieError {
  return new VigieError('FILE_INVALID', `${path}:${line}: ${what}`);
}

const unquote = (field: string): string => (field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1) : field);

/** The names of a header line (a byte-order mark and double quotes taken off). */
export function headerNames(line: string): string[] {
  return line.replace(/^\uFEFF/, '').split(',').map(unquote);
}

/**
 * The rows of the CSV at `path`, in file order: `read(get, line)` makes each row's value, `get`
 * giving the row's field of a column by name.
 *
 * @param columns the columns every row must have; a header without one of them is an error
 *   (`what` says which file it is not: "the bank's labelled CSV").
 * @param unquoted whether a field's double quotes are taken off (ULB's file quotes some).
 */
export function fromCsvColumns<C extends string, T>(
  path: string,
  { columns, what, unquoted = false }: { readonly columns: readonly C[]; readonly what: string; readonly unquoted?: boolean },
  read: (get: (column: C) => string, line: number) => T,
): Observable<T> {
  const field = unquoted ? unquote : (text: string): string => text;
  return new Observable<T>((subscriber) => {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    let at: Map<C, number> | null = null;
    let width = 0;
    let lineNumber = 0;
    lines.on('line', (line) => {
      lineNumber++;
      if (subscriber.closed) return;
      try {
        if (at === null) {
          const names = headerNames(line);
          const missing = columns.filter((c) => !names.includes(c));
          if (missing.length > 0) throw invalidLine(path, lineNumber, `not ${what}: no column ${missing.join(', ')}`);
          width = names.length;
          at = new Map(columns.map((c) => [c, names.indexOf(c)]));
          return;
        }
        if (line === '') return;
        const fields = line.split(',');
        if (fields.length !== width) throw invalidLine(path, lineNumber, `${fields.length} fields, the header has ${width}`);
        const index = at;
        subscriber.next(read((c) => field(fields[index.get(c)!]!), lineNumber));
      } catch (error) {
        subscriber.error(error);
        lines.close();
      }
    });
    lines.on('close', () => {
      if (at === null) subscriber.error(invalidLine(path, 1, 'empty: no header line'));
      else subscriber.complete();
    });
    lines.on('error', (error) => subscriber.error(error));
    return () => lines.close();
  });
}
