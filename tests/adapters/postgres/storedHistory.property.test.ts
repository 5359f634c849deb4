/**
 * The from-database input path of `vigie train fraud --from-database` (storedHistory.ts), on the
 * real tables: generated stored transactions (written by the flow's own COPY path) and labels,
 * some rows edited by hand into JSON that is no transaction, and some text that is no JSON at all.
 *
 * - Whatever the flow's parser takes (generated records, fuzz/arbitraries' transactionCase: edges
 *   of every field, unknown fields, any Unicode), the table takes as `detect --store-transactions`
 *   stores it, and training reads back the transaction the flow judged.
 * - Text that is not JSON never gets in: the `transactions` table (json) refuses it on the way in,
 *   with PostgreSQL's reason, as a row the flow's COPY refused (a dead letter then).
 * - All rows transactions: each comes out once, parsed as the flow parses it, in event-time order
 *   (ties by partition, offset); a fraud when a label of a fraud kind names it and no later
 *   `verdict-genuine` cleared it; the label events of stored transactions come before the first
 *   transaction at or after their time, and every record is numbered again in that merged order.
 * - A row that is JSON but no longer a transaction: the stream ends with an error naming its
 *   topic, partition and offset, the first such row in that order, with the parser's reason.
 */
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows, transactionsCopy } from '../../../src/adapters/postgres/copyRows.ts';
import { STORED_HISTORY_SOURCE, fromStoredTransactions } from '../../../src/adapters/postgres/storedHistory.ts';
import { labelsFirst } from '../../../src/operators/labelsFirst.ts';
import { parseTransactionMessage } from '../../../src/operators/parseTransaction.ts';
import { storedTransaction } from '../../../src/cli/detectTransactions.ts';
import { transactionCase } from '../../../fuzz/arbitraries/transactions.ts';
import { FRAUD_LABELS } from '../../../src/rules/labels.ts';
import type { LabelKind, StoredTransaction, Transaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db?.drop());

const BASE = Date.UTC(2026, 11, 1);
const KINDS: readonly LabelKind[] = ['fraud', 'chargeback', 'verdict-fraud', 'verdict-genuine'];

interface Row {
  readonly partition: number;
  readonly seconds: number;
  readonly client: number;
  readonly transactionId: number;
  readonly account?: string;
  readonly terminal?: string;
  readonly cents: number;
  /** Edited by hand into JSON that is not a transaction. */
  readonly broken: boolean;
}
const row = fc.record(
  {
    partition: fc.integer({ min: 0, max: 2 }),
    // few seconds: many ties in event time
    seconds: fc.integer({ min: 0, max: 40 }),
    client: fc.integer({ min: 1, max: 3 }),
    transactionId: fc.integer({ min: 1, max: 6 }),
    account: fc.constantFrom('ACC-1', 'ACC-2'),
    terminal: fc.constantFrom('T1', 'T2'),
    cents: fc.integer({ min: 0, max: 5_000_000 }),
    // one row in 16 edited by hand
    broken: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
  },
  { requiredKeys: ['partition', 'seconds', 'client', 'transactionId', 'cents', 'broken'] },
);
const label = fc.record({ row: fc.nat(), kind: fc.constantFrom(...KINDS), seconds: fc.integer({ min: 0, max: 50 }), stranger: fc.boolean() });

function transactionOf(r: Row): Transaction {
  return {
    id: r.client,
    transaction_id: r.transactionId,
    amount: r.cents / 100,
    currency: 'XAF',
    timestamp: new Date(BASE + r.seconds * 1000).toISOString(),
    ...(r.account === undefined ? {} : { account: r.account }),
    ...(r.terminal === undefined ? {} : { terminal: r.terminal }),
  };
}
const keyOf = (t: Transaction): string => t.account ?? String(t.id);

describe('fromStoredTransactions', () => {
  it('refuses text that is not JSON on the way in', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const bad: StoredTransaction = { ref: { source: 't', partition: 0, offset: 1 }, json: '{"id": 1,', eventTime: BASE, account: 'A', transactionId: 1, time: BASE };
      const outcome = await copyRows(client, transactionsCopy, [bad]);
      await client.query('ROLLBACK');
      expect(outcome.written).toEqual([]);
      expect(outcome.refused[0]?.reason).toMatch(/invalid input syntax for type json/);
    } finally {
      client.release();
    }
  });

  it('stores whatever the parser takes, and reads back the transaction the flow judged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(transactionCase, { minLength: 1, maxLength: 30 }), async (cases) => {
        await db.pool.query('TRUNCATE transactions, labels');
        const parsed = cases.map((c, i) => parseTransactionMessage({ raw: c.bytes, ref: { source: 'fuzz', partition: i % 3, offset: i }, time: BASE }));
        const rows = parsed.flatMap((p, i) => (p.ok ? [storedTransaction(p.value, { raw: cases[i]!.bytes, ref: p.value.ref, time: BASE })] : []));
        const client = await db.pool.connect();
        try {
          await client.query('BEGIN');
          const outcome = await copyRows(client, transactionsCopy, rows);
          expect(outcome.refused.map((r) => r.reason)).toEqual([]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        const judged = parsed.flatMap((p) => (p.ok ? [p.value] : []));
        const order = judged.map((r, i) => ({ r, time: rows[i]!.eventTime })).sort((a, b) => a.time - b.time || a.r.ref.partition - b.r.ref.partition || a.r.ref.offset - b.r.ref.offset);
        const history = await lastValueFrom(fromStoredTransactions({ pool: db.pool }).pipe(toArray()));
        expect(history.map((h) => h.record.transaction)).toEqual(order.map(({ r }) => r.transaction));
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('gives every stored transaction once, labelled, in event-time order, label events merged in; or names the row that no longer parses', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 25 }), fc.array(label, { maxLength: 12 }), fc.integer({ min: 1, max: 7 }), async (rows, labels, batchRows) => {
        await db.pool.query('TRUNCATE transactions, labels');
        const stored = rows.map((r, i): StoredTransaction & { broken: boolean; tx: Transaction } => {
          const tx = transactionOf(r);
          return {
            ref: { source: 'transaction', partition: r.partition, offset: i },
            json: r.broken ? JSON.stringify({ ...tx, amount: 'lots' }) : JSON.stringify(tx),
            eventTime: BASE + r.seconds * 1000,
            account: keyOf(tx),
            transactionId: tx.transaction_id,
            time: BASE,
            broken: r.broken,
            tx,
          };
        });
        const client = await db.pool.connect();
        try {
          await client.query('BEGIN');
          const outcome = await copyRows(client, transactionsCopy, stored);
          expect(outcome.written).toHaveLength(stored.length);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        // labels of stored transactions (by their key), and of one that is not stored (a stranger)
        const labelRows = labels.map((l, i) => {
          const of = stored[l.row % stored.length]!;
          return { account: l.stranger ? 'NOBODY' : of.account, transactionId: of.transactionId, kind: l.kind, at: BASE + l.seconds * 1000, offset: i, source: `s${i}` };
        });
        for (const l of labelRows) {
          await db.pool.query(
            'INSERT INTO labels (transaction_id, account, label, labelled_at, source, topic, topic_partition, topic_offset) VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT DO NOTHING',
            [l.transactionId, l.account, l.kind, new Date(l.at).toISOString(), l.source, 'labels', l.offset],
          );
        }
        const kept = (await db.pool.query<{ topic_offset: string }>('SELECT topic_offset FROM labels')).rows.map((r) => Number(r.topic_offset));
        const inTable = labelRows.filter((l) => kept.includes(l.offset));

        const order = [...stored].sort((a, b) => a.eventTime - b.eventTime || a.ref.partition - b.ref.partition || a.ref.offset - b.ref.offset);
        const read = lastValueFrom(fromStoredTransactions({ pool: db.pool, batchRows }).pipe(toArray()));
        const firstBroken = order.find((s) => s.broken);
        if (firstBroken !== undefined) {
          const { partition, offset } = firstBroken.ref;
          await expect(read).rejects.toThrow(`the row of transaction/${partition} offset ${offset} no longer parses as a transaction: amount:`);
          return;
        }
        const history = await read;
        expect(history.map((h) => h.record.transaction)).toEqual(order.map((s) => (parseTransactionMessage({ raw: s.json, ref: s.ref, time: 0 }) as { value: { transaction: Transaction } }).value.transaction));
        // labelled: a fraud kind not cleared by a later verdict-genuine
        order.forEach((s, i) => {
          const mine = inTable.filter((l) => l.account === s.account && l.transactionId === s.transactionId);
          const fraudAt = Math.max(...mine.filter((l) => FRAUD_LABELS.has(l.kind)).map((l) => l.at));
          const genuineAt = Math.max(...mine.filter((l) => l.kind === 'verdict-genuine').map((l) => l.at));
          expect(history[i]!.fraud, `row ${i}`).toBe(fraudAt > -Infinity && fraudAt >= genuineAt);
        });
        // each label event of a stored transaction before the first transaction at or after its time
        const events = inTable
          .filter((l) => stored.some((s) => s.account === l.account && s.transactionId === l.transactionId))
          .sort((a, b) => a.at - b.at || a.offset - b.offset);
        const expected = order.map((s, i) => events.filter((l) => l.at <= s.eventTime && (i === 0 || l.at > order[i - 1]!.eventTime)).map((l) => [l.account, l.transactionId, l.kind, new Date(l.at).toISOString()]));
        expect(history.map((h) => (h.labels ?? []).map((e) => [e.transaction.account, e.transaction.transaction_id, e.transaction.label, e.transaction.timestamp]))).toEqual(expected);
        // numbered again in the merged order
        const merged = await lastValueFrom(fromStoredTransactions({ pool: db.pool, batchRows }).pipe(labelsFirst(), toArray()));
        expect(merged.map((r) => r.ref)).toEqual(merged.map((_, i) => ({ source: STORED_HISTORY_SOURCE, partition: 0, offset: i })));
        expect(merged.filter((r) => r.transaction.label === undefined)).toHaveLength(order.length);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
