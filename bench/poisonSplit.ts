/**
 * What rows PostgreSQL refuses cost the sink: 100 000 suspicious transactions through
 * `toPostgres` (default batching) with none refused, then with 1 in 1 000 and 1 in 100 holding an
 * id out of int's range, which the sink finds by splitting each refused batch. Prints rows/s, the
 * INSERTs sent and the rows refused. `npx tsx bench/poisonSplit.ts` (DATABASE_URL to use a server
 * of your own; otherwise an embedded one in a temporary folder).
 */
import { tmpdir } from 'node:os';
import { from, lastValueFrom, reduce } from 'rxjs';
import { openDatabase } from '../src/adapters/postgres/connect.ts';
import { suspiciousTransactionsTable } from '../src/adapters/postgres/tables.ts';
import { toPostgres } from '../src/adapters/postgres/toPostgres.ts';
import { postgresUnlessGiven } from '../src/adapters/temporaryServers.ts';
import type { SuspiciousTransaction } from '../src/types.ts';

const ROWS = Number(process.env.BENCH_POISON_ROWS ?? 100_000);

function rows(source: string, badEvery: number): SuspiciousTransaction[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    transaction: { id: badEvery > 0 && i % badEvery === badEvery - 1 ? 1_099_511_627_776 : 1000 + (i % 9000), transaction_id: 10_000 + (i % 90_000), amount: 10_000 + i / 100, currency: 'XAF', timestamp: '2026-11-22 10:00:00' },
    ref: { source, partition: 0, offset: i },
    reasons: ['amount>10000XAF'],
    score: 1,
  }));
}

const server = await postgresUnlessGiven('vigie-bench-poison');
const db = await openDatabase({ databaseUrl: server.value, dataDir: tmpdir() });
try {
  for (const badEvery of [0, 1000, 100]) {
    const source = `bench-${badEvery}`;
    const input = rows(source, badEvery);
    let inserts = 0;
    const query = db.pool.query.bind(db.pool);
    db.pool.query = ((...args: Parameters<typeof query>) => (inserts++, query(...args))) as typeof db.pool.query;
    const started = performance.now();
    const { written, refused } = await lastValueFrom(
      from(input).pipe(
        toPostgres(db.pool, suspiciousTransactionsTable),
        reduce((n, w) => ({ written: n.written + w.items.length, refused: n.refused + (w.refused?.length ?? 0) }), { written: 0, refused: 0 }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    db.pool.query = query;
    const label = badEvery === 0 ? 'none refused      ' : `1 in ${String(badEvery).padEnd(5)} refused`;
    console.log(`${label}: ${Math.round(ROWS / seconds)} rows/s, ${inserts} INSERTs, ${written} written, ${refused} refused`);
  }
} finally {
  await db.close();
  await server.stop();
}
