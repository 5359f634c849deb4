/**
 * The comparison of two runs' results: rows matched by key, a difference in any kept column
 * shown with both values, rows on one side only counted; alerts reduced to the latest value of
 * each id. Against a real PostgreSQL for the table part, since its text forms are what is compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeyed, compareTables, describeDifference, identical, latestAlerts } from '../../chaos/compareResults.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';

const row = (offset: number, reasons: string[], score: number, detectedAt: string) => ({ offset, reasons, score, detectedAt });
type Row = ReturnType<typeof row>;

async function insert(db: FreshDatabase, rows: Row[]): Promise<void> {
  for (const r of rows) {
    await db.pool.query(
      `INSERT INTO suspicious_transactions (client_id, transaction_id, amount, currency, tx_timestamp, reasons, score, source, source_partition, source_offset, detected_at)
       VALUES (1, $1::int, 10, 'XAF', '2026-01-05 09:00:00', $2, $3, 't', 0, $1::int, $4)`,
      [r.offset, r.reasons, r.score, r.detectedAt],
    );
  }
}

describe('compareResults', () => {
  let a: FreshDatabase;
  let b: FreshDatabase;
  beforeAll(async () => {
    [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([a?.drop(), b?.drop()]);
  });

  it('finds rows on one side only and rows with other values, but not other times of writing', async () => {
    await insert(a, [row(1, ['amount>10000XAF'], 1.5, '2026-01-01T00:00:00Z'), row(2, ['frequency>5/10min'], 1.2, '2026-01-01T00:00:00Z'), row(3, ['x'], 1, '2026-01-01T00:00:00Z')]);
    await insert(b, [row(1, ['amount>10000XAF'], 1.5, '2026-02-02T00:00:00Z'), row(2, ['frequency>5/10min', 'zscore>3.5'], 3, '2026-01-01T00:00:00Z'), row(4, ['y'], 1, '2026-01-01T00:00:00Z')]);

    const [suspicious, detections, dead] = await compareTables(a.pool, b.pool, 't');

    expect(identical(detections!) && identical(dead!)).toBe(true);
    const lines = describeDifference(suspicious!).split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'suspicious_transactions: A 3, B 3; 1 only in A, 1 only in B, 1 differing',
      '  t/0/2/0: reasons A="{frequency>5/10min}" B="{frequency>5/10min,zscore>3.5}", score A="1.2" B="3"',
    ]);
    expect(lines[2]).toMatch(/^ {2}t\/0\/3\/0: only in A \{.*"reasons":"\{x\}"/);
    expect(lines[3]).toMatch(/^ {2}t\/0\/4\/0: only in B \{.*"reasons":"\{y\}"/);
  });

  it('keeps the latest value of each alert id, a revision replacing the first decision', () => {
    const alert = (offset: number, id: string, reasons: string[]) => ({
      partition: 0,
      offset,
      value: Buffer.from(JSON.stringify({ alert_id: id, reasons })),
      headers: { 'vigie-alert-id': id },
    });
    const a = latestAlerts([alert(0, 't/0/1', ['amount']), alert(1, 't/0/2', ['frequency'])]);
    const b = latestAlerts([alert(1, 't/0/1', ['amount', 'zscore']), alert(0, 't/0/1', ['amount']), alert(2, 't/0/2', ['frequency'])]);

    const d = compareKeyed('alerts', a, b);
    expect(describeDifference(d)).toBe('alerts: A 2, B 2; 0 only in A, 0 only in B, 1 differing\n  t/0/1: reasons A=["amount"] B=["amount","zscore"]');
  });
});
