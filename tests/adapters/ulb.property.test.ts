/**
 * ULB's credit-card CSV: any generated rows written in its format (header quoted or not, `Class`
 * quoted or not, as the published file quotes them) read back as the transactions and labels
 * they were written from, each row one transaction, none dropped; a row broken in one field,
 * anywhere in the file, ends the read with an error naming `file:line`, the column and what is
 * wrong. `fromLabelledCsv` tells the format from its header.
 */
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromLabelledCsv, labelledFormat } from '../../src/adapters/labelledCsv.ts';
import { ULB_COLUMNS, ULB_COMPONENTS, ULB_ORIGIN, type UlbTransaction, fromUlbCsv } from '../../src/adapters/ulb.ts';
import { eventTime } from '../../src/operators/rules/eventTime.ts';
import { csvFiles } from '../helpers/csvFiles.ts';

const { write } = csvFiles('ulb');

const component = fc.double({ min: -120, max: 120, noNaN: true });
const row = fc.record({
  time: fc.oneof(fc.integer({ min: 0, max: 400_000 }), fc.double({ min: 0, max: 400_000, noNaN: true })),
  components: fc.array(component, { minLength: 28, maxLength: 28 }),
  amount: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 3_000_000 }).map((cents) => cents / 100)),
  fraud: fc.boolean(),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const header = (quoted: boolean): string => ULB_COLUMNS.map((c) => (quoted ? `"${c}"` : c)).join(',');
const line = (r: Row, quoted: boolean): string =>
  [r.time, ...r.components, r.amount, quoted ? `"${r.fraud ? 1 : 0}"` : r.fraud ? 1 : 0].map(String).join(',');
const csv = (rows: readonly Row[], quoted: boolean): string => `${header(quoted)}\n${rows.map((r) => `${line(r, quoted)}\n`).join('')}`;

/** A field of no comma, quote or line break. */
const field = fc.string({ maxLength: 12 }).filter((text) => !/[,"\r\n]/.test(text));
const notNumber = field.filter((text) => text.trim() === '' || !Number.isFinite(Number(text)));
/** One field of a valid row replaced by what its column cannot hold, and the words its error must have. */
const corruption = fc.oneof(
  fc.record({ column: fc.constant('Time'), value: notNumber, what: fc.constant('is not a number') }),
  fc.record({ column: fc.constant('Time'), value: fc.integer({ min: -1e6, max: -1 }).map(String), what: fc.constant('is negative') }),
  fc.record({ column: fc.constantFrom(...ULB_COMPONENTS), value: notNumber, what: fc.constant('is not a number') }),
  fc.record({ column: fc.constant('Amount'), value: notNumber, what: fc.constant('is not a number') }),
  fc.record({ column: fc.constant('Amount'), value: fc.integer({ min: -1e9, max: -1 }).map((cents) => (cents / 100).toFixed(2)), what: fc.constant('is negative') }),
  fc.record({ column: fc.constant('Class'), value: field.filter((text) => text !== '0' && text !== '1'), what: fc.constant('is neither 0 nor 1') }),
);

describe('the ULB CSV reader', () => {
  it('reads generated rows back as the transactions and labels they were written from, one per row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), fc.boolean(), async (rows, quoted) => {
        const file = write(csv(rows, quoted));
        expect(labelledFormat(file)).toBe('ulb');
        const read = await lastValueFrom(fromLabelledCsv(file).pipe(toArray()));
        expect(read).toHaveLength(rows.length);
        read.forEach((labelled, i) => {
          const r = rows[i]!;
          const tx = labelled.record.transaction as UlbTransaction;
          expect(labelled.fraud).toBe(r.fraud);
          expect(labelled.record.ref.offset).toBe(i + 2);
          expect(tx.id).toBe(i + 1);
          expect(tx.transaction_id).toBe(i + 1);
          expect(tx.amount).toBe(r.amount);
          expect(tx.currency).toBe('EUR');
          expect(tx.Time).toBe(r.time);
          expect(ULB_COMPONENTS.map((c) => tx[c])).toEqual(r.components.map((x) => (Object.is(x, -0) ? 0 : x)));
          expect(eventTime(tx)).toBe(ULB_ORIGIN + Math.round(r.time * 1000));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('ends with an error naming the line, the column and what is wrong when one field of one row is broken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), fc.nat(), corruption, fc.boolean(), async (rows, at, broken, quoted) => {
        const bad = at % rows.length;
        const lines = rows.map((r) => line(r, quoted));
        const fields = lines[bad]!.split(',');
        fields[ULB_COLUMNS.indexOf(broken.column as (typeof ULB_COLUMNS)[number])] = broken.value;
        lines[bad] = fields.join(',');
        const file = write(`${header(quoted)}\n${lines.join('\n')}\n`);
        const seen: unknown[] = [];
        const error = await new Promise<Error>((resolve, reject) =>
          fromUlbCsv(file).subscribe({ next: (x) => seen.push(x), error: resolve, complete: () => reject(new Error('completed')) }),
        );
        expect(error.message).toContain(`${file}:${bad + 2}: ${broken.column} ${JSON.stringify(broken.value)} ${broken.what}`);
        expect(seen).toHaveLength(bad); // every row before it, none after
      }),
      { numRuns: 100 },
    );
  });

  it('names a row with too few or too many fields, and a file without ULB\'s header', async () => {
    const good = '0,' + ULB_COMPONENTS.map(() => '0.5').join(',') + ',1.5,"0"';
    const short = write(`${header(true)}\n${good}\n0,1,2\n`);
    await expect(lastValueFrom(fromUlbCsv(short).pipe(toArray()))).rejects.toThrow(`${short}:3: 3 fields, the header has 31`);
    const long = write(`${header(false)}\n${good},7\n`);
    await expect(lastValueFrom(fromUlbCsv(long).pipe(toArray()))).rejects.toThrow(`${long}:2: 32 fields, the header has 31`);
    const other = write('Time,V1,Amount,Class\n0,1,2,0\n');
    await expect(lastValueFrom(fromUlbCsv(other).pipe(toArray()))).rejects.toThrow('no column V2');
    expect(() => labelledFormat(other)).toThrow("ULB's (Time,V1,");
    const empty = write('');
    await expect(lastValueFrom(fromUlbCsv(empty).pipe(toArray()))).rejects.toThrow(`${empty}:1: empty: no header line`);
  });
});
