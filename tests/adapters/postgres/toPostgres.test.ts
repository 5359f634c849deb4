/**
 * The sink against a real PostgreSQL: types survive the trip exactly, a batch is one round trip,
 * a replay writes nothing twice, and a write that cannot succeed says which table refused it.
 */
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate, migrations } from '../../../src/adapters/postgres/migrations.ts';
import { deadLetters, sensorDetections, suspiciousTransactions } from '../../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { VigieError } from '../../../src/errors.ts';
import { retryPolicy } from '../../../src/retry.ts';
import type { DeadLetter, Detection, SuspiciousTransaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db?.drop());

const noRetry = retryPolicy({ retries: 0 });

function detection(offset: number, source = 'test'): Detection {
  return {
    topic: 'humidite',
    value: 40 + offset / 7,
    time: 1_700_000_000_123 + offset,
    state: offset === 0 ? -2 : 1,
    detector: 'dbscan',
    score: offset === 0 ? null : 0.25,
    fill: offset === 0 ? 0.5 : 1,
    ref: { source, partition: 0, offset },
  };
}

function write<T>(rows: readonly T[], table: Parameters<typeof toPostgres<T>>[1], size = 100) {
  return lastValueFrom(from(rows).pipe(toPostgres(db.pool, table, { batch: { size, lingerMs: 10 }, retry: noRetry }), toArray()));
}

describe('toPostgres', () => {
  it('writes detections with their types intact', async () => {
    const rows = [detection(0, 'types'), detection(1, 'types')];
    const written = await write(rows, sensorDetections);
    expect(written).toEqual([{ sink: 'postgres:sensor_detections', items: rows }]);
    const { rows: got } = await db.pool.query(
      `SELECT topic, value, (extract(epoch FROM event_time) * 1000)::bigint AS ms, state, detector, score, fill,
              source, source_partition, source_offset
       FROM sensor_detections WHERE source = 'types' ORDER BY source_offset`,
    );
    expect(got).toEqual([
      { topic: 'humidite', value: 40, ms: '1700000000123', state: -2, detector: 'dbscan', score: null, fill: 0.5,
        source: 'types', source_partition: 0, source_offset: '0' },
      { topic: 'humidite', value: 40 + 1 / 7, ms: '1700000000124', state: 1, detector: 'dbscan', score: 0.25, fill: 1,
        source: 'types', source_partition: 0, source_offset: '1' },
    ]);
  });

  it('writes suspicious transactions with exact amounts and their reasons', async () => {
    const rows: SuspiciousTransaction[] = [
      { transaction: { id: 1234, transaction_id: 56789, amount: 12345678.91, currency: 'XAF', timestamp: '2024-05-01 12:00:00' },
        ref: { source: 'transaction', partition: 2, offset: 7 }, reasons: ['amount>10000XAF', 'quote "it", {x}\\'], score: 1234.5 },
      { transaction: { id: 1000, transaction_id: 10000, amount: 0.1, currency: 'EUR', timestamp: '2024-05-01 12:00:01' },
        ref: { source: 'transaction', partition: 2, offset: 8 }, reasons: [], score: 0 },
    ];
    await write(rows, suspiciousTransactions);
    const { rows: got } = await db.pool.query(
      `SELECT client_id, transaction_id, amount::text, currency, tx_timestamp, reasons, score, source_partition, source_offset
       FROM suspicious_transactions ORDER BY source_offset`,
    );
    expect(got).toEqual([
      { client_id: 1234, transaction_id: 56789, amount: '12345678.91', currency: 'XAF', tx_timestamp: '2024-05-01 12:00:00',
        reasons: ['amount>10000XAF', 'quote "it", {x}\\'], score: 1234.5, source_partition: 2, source_offset: '7' },
      { client_id: 1000, transaction_id: 10000, amount: '0.10', currency: 'EUR', tx_timestamp: '2024-05-01 12:00:01',
        reasons: [], score: 0, source_partition: 2, source_offset: '8' },
    ]);
  });

  it('writes every input field of a transaction, strings that look like SQL verbatim', async () => {
    const sql = "x'); DROP TABLE suspicious_transactions; --";
    const row: SuspiciousTransaction = {
      transaction: { id: 4321, transaction_id: 98765, amount: 250000, currency: 'XAF', timestamp: '2026-11-22 08:30:05',
        account: sql, location: { lat: 4.0511, lon: 9.7679, country: 'CM' }, channel: "mobile'--", type: 'TRANSFER', balanceBefore: 260000.5 },
      ref: { source: 'fields', partition: 0, offset: 1 }, reasons: ['balance-drain>=90%', sql], score: 0.96,
    };
    await write([row], suspiciousTransactions);
    const { rows: got } = await db.pool.query(
      `SELECT account, latitude, longitude, country, channel, type, balance_before::text, event_time, input, reasons
       FROM suspicious_transactions WHERE source = 'fields'`,
    );
    expect(got).toEqual([{ account: sql, latitude: 4.0511, longitude: 9.7679, country: 'CM', channel: "mobile'--", type: 'TRANSFER',
      balance_before: '260000.50', event_time: new Date('2026-11-22T08:30:05Z'), input: row.transaction, reasons: ['balance-drain>=90%', sql] }]);
    const { rows: tables } = await db.pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'suspicious_transactions'");
    expect(tables[0].n).toBe(1);
  });

  it('writes dead letters with their receive time', async () => {
    const dead: DeadLetter = { stage: 'parse-arduino-line', reason: 'not a number', raw: "h:4x'; DROP TABLE x;--",
      ref: { source: 'serial:/dev/ttyACM0', partition: 0, offset: 3 }, time: 1_700_000_000_999 };
    await write([dead], deadLetters);
    const { rows: got } = await db.pool.query(
      'SELECT stage, reason, raw, source, source_offset, received_at FROM dead_letters',
    );
    expect(got).toEqual([{ stage: dead.stage, reason: dead.reason, raw: dead.raw, source: dead.ref.source,
      source_offset: '3', received_at: new Date(dead.time) }]);
  });

  it('writes 1000 rows in batches of 100 as exactly 10 round trips', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => detection(i, 'batching'));
    const query = vi.spyOn(db.pool, 'query');
    try {
      const written = await write(rows, sensorDetections, 100);
      expect(written.map((w) => w.items.length)).toEqual(Array(10).fill(100));
      expect(written.flatMap((w) => w.items)).toEqual(rows);
      expect(query).toHaveBeenCalledTimes(10);
      expect(new Set(query.mock.calls.map(([sql]) => sql))).toEqual(new Set([sensorDetections.sql]));
    } finally {
      query.mockRestore();
    }
    const { rows: [count] } = await db.pool.query("SELECT count(*)::int AS n FROM sensor_detections WHERE source = 'batching'");
    expect(count).toEqual({ n: 1000 });
  });

  it('writes nothing twice when a batch is replayed', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => detection(i, 'replay'));
    await write(rows, sensorDetections, 20);
    await write(rows, sensorDetections, 20);
    await write(rows.slice(10, 30), sensorDetections, 7);
    const { rows: [count] } = await db.pool.query(
      "SELECT count(*)::int AS n, count(DISTINCT source_offset)::int AS d FROM sensor_detections WHERE source = 'replay'",
    );
    expect(count).toEqual({ n: 50, d: 50 });
  });

  it('surfaces a write that cannot succeed with the table in the message', async () => {
    const row: SuspiciousTransaction = {
      transaction: { id: 1, transaction_id: 2, amount: 3, currency: 'EURO', timestamp: '' },
      ref: { source: 'bad', partition: 0, offset: 0 }, reasons: [], score: 0,
    };
    const onRetry = vi.fn();
    const error = await firstValueFrom(
      from([row]).pipe(toPostgres(db.pool, suspiciousTransactions, { retry: retryPolicy({ onRetry }) })),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VigieError);
    expect(error).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: false, where: { table: 'suspicious_transactions' } });
    expect((error as Error).message).toMatch(/suspicious_transactions.*character\(3\)/);
    expect(onRetry).not.toHaveBeenCalled();
  });
});

describe('migrate', () => {
  it('is idempotent: a second run applies nothing and keeps the rows', async () => {
    const before = await db.pool.query('SELECT id FROM vigie_migrations ORDER BY id');
    expect(before.rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    expect(await migrate(db.pool)).toEqual([]);
    expect(await Promise.all([migrate(db.pool), migrate(db.pool)])).toEqual([[], []]);
    const after = await db.pool.query('SELECT count(*)::int AS n FROM vigie_migrations');
    expect(after.rows).toEqual([{ n: migrations.length }]);
  });

  it('applies each migration once when two processes start at once', async () => {
    const other = await freshDatabase({ migrate: false });
    try {
      const [a, b] = await Promise.all([migrate(other.pool), migrate(other.pool)]);
      expect([...a, ...b].sort()).toEqual(migrations.map((m) => m.id));
    } finally {
      await other.drop();
    }
  });
});
