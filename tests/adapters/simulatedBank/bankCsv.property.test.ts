/**
 * The labelled CSV, generated: for banks of any profile, seed, size and start, the file keeps the
 * contract (header, 12 fields, ids 0, 1, 2, … in event-time order within the run's days, ids of
 * the run's customers and terminals, the profile's currency, channels, places and kinds), reads
 * back as exactly the labelled transactions the library gives, and every row's vigie JSON is
 * accepted by the transaction parser; bad options are refused naming each one.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANK_CSV_HEADER, writeBankCsv } from '../../../src/adapters/simulatedBank/bankCsv.ts';
import { FRAUD_KINDS } from '../../../src/adapters/simulatedBank/bankDay.ts';
import { CAMEROON_CITIES } from '../../../src/adapters/simulatedBank/cities.ts';
import { labelledTransactions, openBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';
import { VigieError } from '../../../src/errors.ts';
import { parseTransactionMessage } from '../../../src/operators/parseTransaction.ts';

async function csv(options: Parameters<typeof openBank>[0]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await writeBankCsv(openBank(options), out);
  return text;
}

const options = fc.record({
  profile: fc.constantFrom('handbook' as const, 'cameroon' as const),
  seed: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  customers: fc.integer({ min: 1, max: 300 }),
  terminals: fc.integer({ min: 1, max: 300 }),
  days: fc.integer({ min: 1, max: 6 }),
  start: fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
});

describe('the labelled CSV, property-based', () => {
  it('keeps the contract and reads back as the library’s labelled transactions, on 40 generated banks', async () => {
    const cities = new Set(CAMEROON_CITIES.map((c) => c.name));
    for (const o of fc.sample(options, { numRuns: 40, seed: 22 })) {
      const [header, ...rows] = (await csv(o)).split('\n');
      expect(header).toBe(BANK_CSV_HEADER);
      expect(rows.pop()).toBe(''); // the last line ends with \n
      const labelled = [...labelledTransactions(o)];
      expect(rows).toHaveLength(labelled.length);
      const start = Date.parse(`${o.start}T00:00:00Z`);
      let last = start;
      rows.forEach((row, i) => {
        const f = row.split(',');
        expect(f, row).toHaveLength(12);
        const [id, timestamp, account, terminal, amount, currency, channel, city, lat, lon, fraud, kind] = f as [string, string, string, string, string, string, string, string, string, string, string, string];
        expect(id).toBe(String(i));
        expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        const time = Date.parse(timestamp);
        expect(time).toBeGreaterThanOrEqual(last);
        expect(time).toBeLessThan(start + o.days * 86_400_000);
        last = time;
        expect(account).toMatch(/^C\d{7}$/);
        expect(Number(account.slice(1))).toBeLessThan(o.customers);
        expect(terminal).toMatch(/^T\d{7}$/);
        expect(Number(terminal.slice(1))).toBeLessThan(o.terminals);
        expect(amount).toMatch(o.profile === 'handbook' ? /^\d+\.\d\d$/ : /^\d+$/);
        expect(currency).toBe(o.profile === 'handbook' ? 'EUR' : 'XAF');
        expect(o.profile === 'handbook' ? ['card'] : ['card', 'mobile-money']).toContain(channel);
        if (o.profile === 'handbook') expect([city, lat, lon]).toEqual(['', '', '']);
        else expect(cities.has(city) && Number.isFinite(Number(lat)) && Number.isFinite(Number(lon)), row).toBe(true);
        expect(fraud === '1' ? FRAUD_KINDS.slice(0, o.profile === 'handbook' ? 3 : 6) : [''], row).toContain(kind);
        expect(['0', '1']).toContain(fraud);

        // the same transaction as the library gives it, and as vigie's parser takes its JSON
        const { record, fraud: isFraud, kind: itsKind, city: itsCity } = labelled[i]!;
        const t = record.transaction;
        expect([t.transaction_id, t.timestamp, t.account, t.terminal, t.amount, t.currency, t.channel, isFraud, itsKind ?? '', itsCity ?? '', t.location?.lat ?? '', t.location?.lon ?? ''])
          .toEqual([i, timestamp, account, terminal, Number(amount), currency, channel, fraud === '1', kind, city, lat === '' ? '' : Number(lat), lon === '' ? '' : Number(lon)]);
        const parsed = parseTransactionMessage({ raw: JSON.stringify(t), ref: record.ref, time: 0 });
        expect(parsed.ok, JSON.stringify(t)).toBe(true);
      });
    }
  }, 120_000);

  it('refuses bad options, naming each with what was expected', () => {
    const bad = fc.oneof(
      fc.record({ name: fc.constant('seed'), value: fc.oneof(fc.constant('abc'), fc.constant('-1'), fc.constant('1.5'), fc.constant('99999999999999999'), fc.integer({ max: -1 })) }),
      fc.record({ name: fc.constant('customers'), value: fc.oneof(fc.constant('0'), fc.constant('10000001'), fc.constant('x'), fc.constant(2.5)) }),
      fc.record({ name: fc.constant('terminals'), value: fc.oneof(fc.constant('0'), fc.integer({ min: 10_000_001 })) }),
      fc.record({ name: fc.constant('days'), value: fc.oneof(fc.constant('0'), fc.constant('20001'), fc.constant('')) }),
      fc.record({ name: fc.constant('start'), value: fc.oneof(fc.constant('2026-02-30'), fc.constant('2026-1-1'), fc.constant('1969-12-31'), fc.constant('tomorrow'), fc.string()) }),
      fc.record({ name: fc.constant('profile'), value: fc.oneof(fc.constant('paysim'), fc.constant('Handbook'), fc.constant('')) }),
    );
    for (const { name, value } of fc.sample(bad, { numRuns: 300, seed: 5 })) {
      let error: unknown;
      try {
        openBank({ [name]: value }, '--');
      } catch (e) {
        error = e;
      }
      expect(error, `${name}=${JSON.stringify(value)}`).toBeInstanceOf(VigieError);
      expect((error as VigieError).code).toBe('CONFIG_INVALID');
      expect((error as VigieError).message).toContain(`--${name}: expected `);
      expect((error as VigieError).message).toContain(`got ${JSON.stringify(value)}`);
    }
  });
});
