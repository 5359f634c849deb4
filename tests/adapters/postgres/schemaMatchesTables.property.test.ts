/**
 * The transaction schema against the real table: whatever it accepts, PostgreSQL must take, or
 * one message fails its whole batch (issue 10). Values are drawn wide on purpose: integers past
 * int's range, amounts past numeric(18, 2) and with more decimals than it keeps, strings with
 * NULs and lone surrogates, timestamps at the ends of the years PostgreSQL and the parser take. Each message the schema accepts is written; none may be refused.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suspiciousTransactionsTable } from '../../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { parseTransactionMessage } from '../../../src/operators/parseTransaction.ts';
import { retryPolicy } from '../../../src/retry.ts';
import type { SuspiciousTransaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';
import { written } from '../../helpers/timestamps.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db?.drop());

const wideInteger = fc.oneof(
  { arbitrary: fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), weight: 4 },
  fc.constantFrom(-2_147_483_649, 2_147_483_648, 1_099_511_627_776, -8_589_934_592, Number.MAX_SAFE_INTEGER),
  fc.maxSafeInteger(),
);
const wideMoney = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 1_000_000_000 }).map((cents) => cents / 100), weight: 4 },
  fc.constantFrom(1e16, 1e17, 9_999_999_999_999_998, 0.001, 10.005, 1e-7, 99_999_999_999_999.99),
  fc.double({ min: -1e20, max: 1e20, noNaN: true, noDefaultInfinity: true }),
);
const wideText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), weight: 6 },
  fc.constantFrom('a\u0000b', '\ud800', 'x\udc00y', '\u0000', 'Océane 🙂'),
);
const transaction = fc.record(
  {
    id: wideInteger,
    transaction_id: wideInteger,
    amount: wideMoney,
    currency: fc.constantFrom('XAF', 'EUR'),
    // every form the parser accepts, at any instant of years 0001-9999 (event_time is timestamptz),
    // the ends of that range, and text after a valid one
    timestamp: fc.oneof(
      fc.constant('2026-11-22 10:00:00'),
      written.map((w) => w.text),
      fc.constantFrom('0001-01-01 00:00:00', '0001-01-01T00:59:00+00:59', '9999-12-31T23:59:59.999999Z', '9999-12-31T22:59:59.999-01:00'),
      wideText.map((t) => `2026-11-22 10:00:00${t}`),
    ),
    account: wideText,
    terminal: wideText,
    channel: wideText,
    type: wideText,
    balance: wideMoney,
  },
  { requiredKeys: ['id', 'transaction_id', 'amount', 'currency', 'timestamp'] },
);

describe('the transaction schema and the suspicious_transactions table', () => {
  it('agree: every transaction the schema accepts is written, none refused', async () => {
    const accepted: SuspiciousTransaction[] = [];
    fc.sample(transaction, { numRuns: 5_000, seed: 10 }).forEach((t, offset) => {
      const parsed = parseTransactionMessage({ raw: JSON.stringify(t), ref: { source: 'schema', partition: 0, offset }, time: 0 });
      if (parsed.ok) accepted.push({ ...parsed.value, reasons: ['property'], score: 1 });
    });
    expect(accepted.length).toBeGreaterThan(500); // the test tests something

    const written = await lastValueFrom(
      from(accepted).pipe(toPostgres(db.pool, suspiciousTransactionsTable, { batch: { size: 500, lingerMs: 5 }, retry: retryPolicy({ retries: 0 }) }), toArray()),
    );
    expect(written.flatMap((w) => w.refused ?? []).map((r) => `${JSON.stringify(r.item.transaction)}: ${r.reason}`)).toEqual([]);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM suspicious_transactions WHERE source = 'schema'");
    expect(rows[0].n).toBe(accepted.length);
  });
});
