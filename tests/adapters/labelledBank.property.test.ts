/**
 * The simulated bank's labelled CSV (what `vigie simulate bank --out` writes): any
 * generated rows written in its format read back as the transactions, labels and kinds they were
 * written from; a row broken in one field, anywhere in the file, ends the read with an error
 * naming `file:line`, the column and what is wrong. What `vigie simulate bank` writes reads back
 * as the transactions the simulator makes. The format is told from PaySim's by its header.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BANK_COLUMNS, fromBankCsv } from '../../src/adapters/labelledBank.ts';
import { writeBankCsv } from '../../src/adapters/simulatedBank/bankCsv.ts';
import { labelledTransactions, openBank } from '../../src/adapters/simulatedBank/simulateBank.ts';
import { fromLabelledCsv, labelledFormat } from '../../src/adapters/labelledCsv.ts';
import { parseTimestamp } from '../../src/timestamps.ts';
import { csvFiles } from '../helpers/csvFiles.ts';

const { write } = csvFiles('bank');

const KINDS = ['amount-above-limit', 'compromised-terminal', 'leaked-credentials', 'account-takeover', 'card-testing', 'mule'];
const START = Date.UTC(2018, 3, 1) / 1000;

const row = fc.record({
  second: fc.integer({ min: 0, max: 366 * 86_400 }),
  customer: fc.integer({ min: 0, max: 9_999_999 }),
  terminal: fc.integer({ min: 0, max: 9_999_999 }),
  cents: fc.integer({ min: 0, max: 1e11 }),
  currency: fc.constantFrom('EUR', 'XAF'),
  channel: fc.constantFrom('card', 'mobile-money'),
  place: fc.option(fc.record({ city: fc.constantFrom('Douala', 'Yaoundé', 'Bafoussam', 'Garoua'), lat: fc.integer({ min: -900_000, max: 900_000 }), lon: fc.integer({ min: -1_800_000, max: 1_800_000 }) })),
  kind: fc.option(fc.constantFrom(...KINDS)),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const iso = (second: number): string => new Date((START + second) * 1000).toISOString().replace('.000Z', 'Z');
const pad7 = (n: number): string => String(n).padStart(7, '0');
const line = (r: Row, id: number): string =>
  [id, iso(r.second), `C${pad7(r.customer)}`, `T${pad7(r.terminal)}`, (r.cents / 100).toFixed(2), r.currency, r.channel,
    r.place?.city ?? '', r.place ? r.place.lat / 1e4 : '', r.place ? r.place.lon / 1e4 : '', r.kind === null ? 0 : 1, r.kind ?? ''].join(',');
const csv = (rows: readonly Row[]): string => `${BANK_COLUMNS.join(',')}\n${rows.map((r, i) => `${line(r, i)}\n`).join('')}`;

/** A field of no comma or line break (a CSV without quotes has room for nothing else). */
const field = fc.string({ maxLength: 12 }).filter((text) => !/[,\r\n]/.test(text));
const notNumber = field.filter((text) => text.trim() === '' || !Number.isFinite(Number(text)));
/** One field of a valid row replaced by what its column cannot hold, and the words its error must have. */
const corruption = fc.oneof(
  fc.record({ column: fc.constant('transaction_id'), value: fc.oneof(fc.integer({ max: -1 }), fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x))).map(String), what: fc.constant('is not an integer >= 0') }),
  fc.record({ column: fc.constant('timestamp'), value: field.filter((text) => typeof parseTimestamp(text) === 'string'), what: fc.constant('is not a date and time') }),
  fc.record({ column: fc.constant('account'), value: field.filter((text) => !/^[A-Za-z]*\d{1,15}$/.test(text)), what: fc.constant('is not letters then digits') }),
  fc.record({ column: fc.constant('amount'), value: notNumber, what: fc.constant('is not a number') }),
  fc.record({ column: fc.constant('lon'), value: notNumber.filter((text) => text !== ''), what: fc.constant('is not a number') }),
  fc.record({ column: fc.constant('amount'), value: fc.integer({ min: -1e9, max: -1 }).map((cents) => (cents / 100).toFixed(2)), what: fc.constant('is negative') }),
  fc.record({ column: fc.constant('currency'), value: field.filter((text) => !/^[A-Z]{3}$/.test(text)), what: fc.constant('is not an ISO 4217 code') }),
  fc.record({ column: fc.constant('lat'), value: fc.double({ min: 90.0001, max: 1e6, noNaN: true }).map((x) => String(-x)), what: fc.constant('is outside [-90, 90]') }),
  fc.record({ column: fc.constant('fraud'), value: field.filter((text) => text !== '0' && text !== '1'), what: fc.constant('is neither 0 nor 1') }),
  // a kind on a row that is no fraud, or none on a fraud: the value is chosen from the row
  fc.record({ column: fc.constant('kind'), value: fc.constant(''), what: fc.constant('kind') }),
);

describe('the bank CSV reader', () => {
  it("reads what vigie simulate bank writes as the transactions the simulator makes", async () => {
    const options = { profile: 'handbook', customers: 150, terminals: 300, days: 3, seed: 5 } as const;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const tally = await writeBankCsv(openBank(options), out);
    const file = write(Buffer.concat(chunks).toString('utf8'));
    const read = await lastValueFrom(fromLabelledCsv(file).pipe(toArray()));
    const made = [...labelledTransactions(options)];
    expect(read).toHaveLength(tally.rows);
    expect(read.filter((t) => t.fraud)).toHaveLength(tally.frauds);
    read.forEach((t, i) => {
      const { transaction } = made[i]!.record;
      expect(t.record.transaction).toEqual({ ...transaction, amount: Number(transaction.amount.toFixed(2)) });
      expect([t.fraud, t.kind]).toEqual([made[i]!.fraud, made[i]!.kind]);
    });
  });

  it('reads generated rows back as the transactions, labels and kinds written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 40 }), async (rows) => {
        const file = write(csv(rows));
        expect(labelledFormat(file)).toBe('bank');
        const read = await lastValueFrom(fromLabelledCsv(file).pipe(toArray()));
        expect(read).toHaveLength(rows.length);
        read.forEach(({ record, fraud, kind }, i) => {
          const r = rows[i]!;
          expect(record.ref.offset).toBe(i + 2); // its line
          expect(record.transaction).toEqual({
            id: r.customer,
            transaction_id: i,
            amount: Number((r.cents / 100).toFixed(2)),
            currency: r.currency,
            timestamp: iso(r.second),
            account: `C${pad7(r.customer)}`,
            terminal: `T${pad7(r.terminal)}`,
            channel: r.channel,
            ...(r.place ? { location: { lat: r.place.lat / 1e4, lon: r.place.lon / 1e4 } } : {}),
          });
          expect(fraud).toBe(r.kind !== null);
          expect(kind).toBe(r.kind ?? undefined);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('ends with an error naming file:line, the column and what is wrong, for a row broken in one field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), fc.nat(), corruption, async (rows, at, bad) => {
        const index = at % rows.length;
        const lines = csv(rows).split('\n');
        const fields = lines[index + 1]!.split(',');
        const column = BANK_COLUMNS.indexOf(bad.column as (typeof BANK_COLUMNS)[number]);
        // a kind on a non-fraud, or none on a fraud
        if (bad.column === 'kind') fields[column] = fields[column] === '' ? 'mule' : '';
        else fields[column] = bad.value;
        if (bad.column === 'lat' || bad.column === 'lon') fields[BANK_COLUMNS.indexOf(bad.column === 'lat' ? 'lon' : 'lat')] = '1';
        lines[index + 1] = fields.join(',');
        const file = write(lines.join('\n'));
        const read = lastValueFrom(fromBankCsv(file).pipe(toArray()));
        await expect(read).rejects.toThrow(`${file}:${index + 2}: ${bad.column} `);
        await expect(read).rejects.toThrow(bad.what);
        await expect(read).rejects.toMatchObject({ code: 'FILE_INVALID' });
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a row with another number of fields, a header without a column, an empty file', async () => {
    const file = write(`${BANK_COLUMNS.join(',')}\n0,2018-04-01T00:00:31Z,C0000596,T0003156,57.16,EUR,card,,,,0,\n1,2018-04-01T00:00:32Z,C1,T1,5,EUR,card,,,,0,,extra\n`);
    await expect(lastValueFrom(fromBankCsv(file))).rejects.toThrow(`${file}:3: 13 fields, the header has 12`);
    const noKind = write(`${BANK_COLUMNS.slice(0, -1).join(',')}\n`);
    await expect(lastValueFrom(fromBankCsv(noKind))).rejects.toThrow(`${noKind}:1: not the bank's labelled CSV: no column kind`);
    await expect(lastValueFrom(fromBankCsv(write('')))).rejects.toThrow('empty: no header line');
  });

  it("tells PaySim's header from the bank's, and names both when it is neither", () => {
    expect(labelledFormat(write('step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud\n'))).toBe('paysim');
    const other = write('a,b,c\n1,2,3\n');
    expect(() => labelledFormat(other)).toThrow(`${other}:1: not a labelled CSV vigie reads`);
    expect(() => labelledFormat(other)).toThrow('transaction_id,timestamp,account');
    expect(() => labelledFormat(other)).toThrow('step,type,amount');
  });
});
