/**
 * The sink against a real PostgreSQL: types survive the trip exactly, a batch is one round trip,
 * a replay writes nothing twice, and a write that cannot succeed says which table refused it.
 */
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate, migrations } from '../../../src/adapters/postgres/migrations.ts';
import { deadLettersTable, sensorDetectionsTable, suspiciousTransactionsTable } from '../../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../../src/adapters/postgres/toPostgres.ts';
import { VigieError } from '../../../src/errors.ts';
import { retryPolicy } from '../../../src/retry.ts';
import { refusedDeadLetter } from '../../../src/streams/acknowledgements.ts';
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
    const written = await write(rows, sensorDetectionsTable);
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
    await write(rows, suspiciousTransactionsTable);
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
        account: sql, terminal: 'T0003156', location: { lat: 4.0511, lon: 9.7679, country: 'CM' }, channel: "mobile'--", type: 'TRANSFER', balanceBefore: 260000.5 },
      ref: { source: 'fields', partition: 0, offset: 1 }, reasons: ['balance-drain>=90%', sql], score: 0.96,
    };
    await write([row], suspiciousTransactionsTable);
    const { rows: got } = await db.pool.query(
      `SELECT account, terminal, latitude, longitude, country, channel, type, balance_before::text, event_time, input, reasons
       FROM suspicious_transactions WHERE source = 'fields'`,
    );
    expect(got).toEqual([{ account: sql, terminal: 'T0003156', latitude: 4.0511, longitude: 9.7679, country: 'CM', channel: "mobile'--", type: 'TRANSFER',
      balance_before: '260000.50', event_time: new Date('2026-11-22T08:30:05Z'), input: row.transaction, reasons: ['balance-drain>=90%', sql] }]);
    const { rows: tables } = await db.pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'suspicious_transactions'");
    expect(tables[0].n).toBe(1);
  });

  it("writes the decision's time as detected_at, not the time of the INSERT", async () => {
    const decidedAt = Date.parse('2026-12-03T10:00:00.123Z');
    const row: SuspiciousTransaction = {
      transaction: { id: 1234, transaction_id: 56789, amount: 15_000, currency: 'XAF', timestamp: '2026-12-03 10:00:00' },
      ref: { source: 'decided', partition: 0, offset: 1 }, reasons: ['amount>10000XAF'], score: 1.5, decidedAt,
    };
    await write([row], suspiciousTransactionsTable);
    const { rows: got } = await db.pool.query("SELECT detected_at FROM suspicious_transactions WHERE source = 'decided'");
    expect(got).toEqual([{ detected_at: new Date(decidedAt) }]);
  });

  it('writes dead letters with their receive time', async () => {
    const dead: DeadLetter = { stage: 'parse-arduino-line', reason: 'not a number', raw: "h:4x'; DROP TABLE x;--",
      ref: { source: 'serial:/dev/ttyACM0', partition: 0, offset: 3 }, time: 1_700_000_000_999 };
    await write([dead], deadLettersTable);
    const { rows: got } = await db.pool.query(
      'SELECT stage, reason, raw, source, source_offset, received_at FROM dead_letters',
    );
    expect(got).toEqual([{ stage: dead.stage, reason: dead.reason, raw: dead.raw, source: dead.ref.source,
      source_offset: '3', received_at: new Date(dead.time) }]);
  });

  it('keeps the dead letter of each refused revision of a row, not only the first (issue 19)', async () => {
    // A row the table refuses (here: its data) is refused again in each revision a later record
    // causes; dead_letters is unique on (source, partition, offset, stage), so with one stage for
    // all of them every revision after the first was dropped by ON CONFLICT DO NOTHING.
    const ref = { source: 'refused-revisions', partition: 0, offset: 7 };
    const row = (revision: number, cause?: number) => ({ ref, revision, ...(cause === undefined ? {} : { cause: { ...ref, offset: cause } }) });
    const dead = [refusedDeadLetter({ item: row(0), reason: 'out of range' }, 'db', 1), refusedDeadLetter({ item: row(1, 9), reason: 'out of range' }, 'db', 2),
      refusedDeadLetter({ item: row(2, 12), reason: 'out of range' }, 'db', 3)];
    await write([...dead, ...dead], deadLettersTable);
    const { rows } = await db.pool.query('SELECT raw FROM dead_letters WHERE source = $1 ORDER BY received_at', [ref.source]);
    expect(rows.map((r) => JSON.parse(r.raw).revision)).toEqual([0, 1, 2]);
  });

  it('writes 1000 rows in batches of 100 as exactly 10 round trips', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => detection(i, 'batching'));
    const query = vi.spyOn(db.pool, 'query');
    try {
      const written = await write(rows, sensorDetectionsTable, 100);
      expect(written.map((w) => w.items.length)).toEqual(Array(10).fill(100));
      expect(written.flatMap((w) => w.items)).toEqual(rows);
      expect(query).toHaveBeenCalledTimes(10);
      expect(new Set(query.mock.calls.map(([sql]) => sql))).toEqual(new Set([sensorDetectionsTable.sql]));
    } finally {
      query.mockRestore();
    }
    const { rows: [count] } = await db.pool.query("SELECT count(*)::int AS n FROM sensor_detections WHERE source = 'batching'");
    expect(count).toEqual({ n: 1000 });
  });

  // What its doc says of the defaults: two INSERTs at once without `batch`; one at a time with a
  // `batch` that names no concurrency.
  it('runs two INSERTs at once by default, one at a time with a batch that names no concurrency', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => detection(i, 'concurrency'));
    const mostAtOnce = async (options: Parameters<typeof toPostgres<Detection>>[2]): Promise<number> => {
      const query = db.pool.query.bind(db.pool);
      let running = 0;
      let most = 0;
      const spy = vi.spyOn(db.pool, 'query').mockImplementation((async (...args: Parameters<typeof query>) => {
        most = Math.max(most, ++running);
        try {
          return await (query as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          running -= 1;
        }
      }) as never);
      try {
        await lastValueFrom(from(rows).pipe(toPostgres(db.pool, sensorDetectionsTable, { ...options, retry: noRetry }), toArray()));
      } finally {
        spy.mockRestore();
      }
      return most;
    };
    expect(await mostAtOnce({})).toBe(2);
    expect(await mostAtOnce({ batch: { size: 5000, lingerMs: 5 } })).toBe(1);
  });

  it('writes nothing twice when a batch is replayed', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => detection(i, 'replay'));
    await write(rows, sensorDetectionsTable, 20);
    await write(rows, sensorDetectionsTable, 20);
    await write(rows.slice(10, 30), sensorDetectionsTable, 7);
    const { rows: [count] } = await db.pool.query(
      "SELECT count(*)::int AS n, count(DISTINCT source_offset)::int AS d FROM sensor_detections WHERE source = 'replay'",
    );
    expect(count).toEqual({ n: 50, d: 50 });
  });

  it('surfaces a write that cannot succeed with the table in the message', async () => {
    const missing = { ...suspiciousTransactionsTable, table: 'no_such_table', sql: suspiciousTransactionsTable.sql.replace('INSERT INTO suspicious_transactions', 'INSERT INTO no_such_table') };
    const onRetry = vi.fn();
    const error = await firstValueFrom(
      from([suspicious(0, 'missing')]).pipe(toPostgres(db.pool, missing, { retry: retryPolicy({ onRetry }) })),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VigieError);
    expect(error).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: false, where: { table: 'no_such_table' } });
    expect((error as Error).message).toMatch(/no_such_table.*does not exist/);
    expect(onRetry).not.toHaveBeenCalled();
  });
});

function suspicious(offset: number, source: string, fields: Partial<SuspiciousTransaction['transaction']> = {}): SuspiciousTransaction {
  return {
    transaction: { id: 1234, transaction_id: 56789, amount: 15000, currency: 'XAF', timestamp: '2026-11-22 10:00:00', ...fields },
    ref: { source, partition: 0, offset }, reasons: ['amount>10000XAF'], score: 1.5,
  };
}

describe('toPostgres on rows the database refuses', () => {
  it('splits the batch, writes the good rows and reports each bad one with the database\'s reason', async () => {
    const bad: Record<number, [Partial<SuspiciousTransaction['transaction']>, RegExp]> = {
      3: [{ id: 1099511627776 }, /out of range for type integer \(SQLSTATE 22003\)$/],
      11: [{ amount: 1e17 }, /numeric field overflow \(SQLSTATE 22003\)$/],
      // rows travel as JSON: PostgreSQL refuses the \u0000 escape text cannot hold
      12: [{ account: 'CM\u0000001' }, /unsupported Unicode escape sequence \(SQLSTATE 22P05\)$/],
      30: [{ currency: 'EURO' }, /character\(3\) \(SQLSTATE 22001\)$/],
    };
    const rows = Array.from({ length: 40 }, (_, i) => suspicious(i, 'split', bad[i]?.[0]));
    const query = vi.spyOn(db.pool, 'query');
    let written;
    try {
      written = await write(rows, suspiciousTransactionsTable, 100);
      // the batch, its 14 parts of 3 rows, then each row of the 4 parts refused
      expect(query.mock.calls.length).toBe(1 + 14 + 4 * 3);
    } finally {
      query.mockRestore();
    }
    expect(written).toHaveLength(1);
    const [report] = written;
    expect(report!.items).toEqual(rows.filter((_, i) => bad[i] === undefined));
    expect(report!.refused!.map((r) => r.item)).toEqual(rows.filter((_, i) => bad[i] !== undefined));
    for (const refused of report!.refused!) expect(refused.reason).toMatch(bad[refused.item.ref.offset]![1]);
    const { rows: stored } = await db.pool.query("SELECT source_offset::int AS o FROM suspicious_transactions WHERE source = 'split' ORDER BY 1");
    expect(stored.map((r) => r.o)).toEqual(rows.map((_, i) => i).filter((i) => bad[i] === undefined));
  });

  it('reports a batch of bad rows refused, and goes on with the next batch', async () => {
    const rows = [suspicious(0, 'all-bad', { transaction_id: -8589934592 }), suspicious(1, 'all-bad', { amount: 1e17 }), suspicious(2, 'all-bad')];
    const written = await write(rows, suspiciousTransactionsTable, 2);
    expect(written.map((w) => [w.items.length, w.refused?.length ?? 0])).toEqual([[0, 2], [1, 0]]);
  });

  it('takes any dead letter: a NUL in its text, bytes that are not UTF-8, kept exactly in raw_bytes', async () => {
    const bytes = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x22]);
    const dead: DeadLetter[] = [
      { stage: 'parse-transaction', reason: 'invalid JSON: \u0000 is not a token', raw: 'a\u0000b', ref: { source: 'nul', partition: 0, offset: 0 }, time: 1 },
      { stage: 'parse-transaction', reason: 'invalid UTF-8 at byte 2', raw: new TextDecoder().decode(bytes), bytes, ref: { source: 'nul', partition: 0, offset: 1 }, time: 1 },
    ];
    const written = await write(dead, deadLettersTable);
    expect(written.flatMap((w) => w.refused ?? [])).toEqual([]);
    const { rows: got } = await db.pool.query("SELECT reason, raw, raw_bytes FROM dead_letters WHERE source = 'nul' ORDER BY source_offset");
    expect(got).toEqual([
      { reason: 'invalid JSON: \u2400 is not a token', raw: 'a\u2400b', raw_bytes: Buffer.from('a\u0000b') },
      { reason: 'invalid UTF-8 at byte 2', raw: '{\u2400\ufffd\ufffd\n"', raw_bytes: bytes },
    ]);
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
