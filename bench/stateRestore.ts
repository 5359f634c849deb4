/**
 * What the fraud rules' state costs to write down and to read back, at a million accounts: the
 * restore a process makes when it is given partitions after a crash, a restart or a rebalance.
 *
 * A million transactions, each of a new account (kept: the rules' history TTL is 30 days), on 6
 * partitions, through every rule with a state store; then one checkpoint of every partition to a
 * real PostgreSQL (the same code `vigie detect` runs before each commit), then a restore of every
 * partition into an empty store, checked equal to the state written.
 * Run: `npm run bench -- restore`.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { type Database, openDatabase } from '../src/adapters/postgres/connect.ts';
import { redactUrl } from '../src/adapters/postgres/embeddedPostgres.ts';
import { postgresUnlessGiven } from '../src/adapters/temporaryServers.ts';
import { progress } from '../src/cli/progress.ts';
import { RulesStore, judgeRules } from '../src/operators/rules/index.ts';
import { postgresCheckpoints } from '../src/state/checkpoints.ts';
import type { TransactionRecord } from '../src/types.ts';
import type { Bench, BenchSection } from './section.ts';

const ACCOUNTS = Number(process.env.BENCH_COUNT ?? 1_000_000);
const PARTITIONS = 6;
const TOPIC = 'transaction';
/** Target: a partition's share of a million accounts back within a session timeout's third (10 s). */
const TARGET_PARTITION_MS = 10_000;

function transactions(): Observable<TransactionRecord> {
  const base = Date.UTC(2026, 0, 1);
  return new Observable<TransactionRecord>((subscriber) => {
    for (let i = 0; i < ACCOUNTS && !subscriber.closed; i++) {
      const partition = i % PARTITIONS;
      subscriber.next({
        transaction: {
          id: 1000 + (i % 9000),
          transaction_id: 10_000 + (i % 90_000),
          amount: 100 + (i % 9_900),
          currency: 'XAF',
          timestamp: new Date(base + i * 10).toISOString().slice(0, 19).replace('T', ' '),
          account: `acct-${i}`,
          location: { lat: 4 + (i % 100) / 100, lon: 9.7, country: 'CM' },
          type: 'TRANSFER',
        },
        ref: { source: TOPIC, partition, offset: Math.floor(i / PARTITIONS) },
      });
    }
    subscriber.complete();
  });
}

async function stateRestore(): Promise<BenchSection> {
  const server = await postgresUnlessGiven('vigie-bench');
  let db: Database | undefined;
  const name = `vigie_bench_${randomBytes(6).toString('hex')}`;
  try {
    console.error(`bench: PostgreSQL at ${redactUrl(server.value)}, database ${name}`);
    const client = new pg.Client({ connectionString: server.value });
    await client.connect();
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    await client.end();
    const url = new URL(server.value);
    url.pathname = `/${name}`;
    db = await openDatabase({ databaseUrl: url.toString(), dataDir: tmpdir(), log: (line) => console.error(line) });

    const store = new RulesStore('fraud-rules');
    const bar = progress('bench: a million accounts through the rules', { total: ACCOUNTS });
    let seen = 0;
    await lastValueFrom(transactions().pipe(judgeRules({ store }), reduce((n) => (++seen % 50_000 === 0 ? (bar.update(seen), n + 1) : n + 1), 0)));
    bar.finish();
    const offsets = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: Math.ceil((ACCOUNTS - partition) / PARTITIONS) }));
    const keys = offsets.reduce((n, { partition }) => n + store.accounts.partition(TOPIC, partition).size, 0);

    // What the checkpoint writes: the state compacted (the rules fold what is final); given back
    // (abandoned) so that the checkpoint below takes it again.
    const taken = store.accounts.snapshot(offsets);
    const written = new Map(taken.map((c) => [c.partition, c.changes]));
    for (const c of taken) c.abandon();
    const checkpoints = postgresCheckpoints(db.pool, 'bench', store.stores);
    let started = performance.now();
    const snapshot = checkpoints.snapshot(offsets);
    for (const offset of offsets) await checkpoints.write(snapshot, [offset]);
    const writeMs = performance.now() - started;
    const bytes = Number((await db.pool.query("SELECT pg_total_relation_size('vigie_state') AS n")).rows[0].n);

    const restored = new RulesStore('fraud-rules');
    const reader = postgresCheckpoints(db.pool, 'bench', restored.stores);
    const perPartition: number[] = [];
    started = performance.now();
    for (const { partition } of offsets) {
      const t = performance.now();
      await reader.restore(TOPIC, partition);
      perPartition.push(performance.now() - t);
    }
    const restoreMs = performance.now() - started;
    let different = 0;
    for (const { partition } of offsets) {
      const a = written.get(partition)!;
      const b = restored.accounts.partition(TOPIC, partition);
      if (a.size !== b.size) different += Math.abs(a.size - b.size);
      let i = 0;
      for (const [key, value] of a) {
        if (i++ % 1000 === 0 && !isDeepStrictEqual(b.get(key), value)) different++;
      }
    }
    const slowest = Math.max(...perPartition);
    const failures: string[] = [];
    if (different > 0) failures.push(`${different} keys restored differently`);
    if (slowest > TARGET_PARTITION_MS) failures.push(`a partition's state took ${Math.round(slowest)} ms to restore, not ≤ ${TARGET_PARTITION_MS} ms`);
    return {
      title: "The fraud rules' state at a million accounts: checkpoint and restore",
      method:
        `${ACCOUNTS.toLocaleString('en')} transactions, each of a new account (all kept: 30 days of history), on ${PARTITIONS} partitions, through every rule with a state store; ` +
        `every partition checkpointed to a real PostgreSQL (${server.started ? 'embedded' : 'DATABASE_URL'}) as \`vigie detect\` does before a commit, then restored into an empty store as on assignment, ` +
        'and compared with the state written (sizes, and every 1 000th account). Target: a partition restored within 10 s (a third of the session timeout).',
      figures: {
        'accounts in the state': keys - PARTITIONS, // less each partition's clock
        'state in PostgreSQL (MB)': Math.round(bytes / 2 ** 20),
        'checkpoint of every partition (s)': Math.round(writeMs / 100) / 10,
        'restore of every partition (s)': Math.round(restoreMs / 100) / 10,
        'restore of one partition, slowest (s)': Math.round(slowest / 100) / 10,
        'restore rate (accounts/s)': Math.round(keys / (restoreMs / 1000)),
        'accounts restored differently': different,
      },
      failures,
    };
  } finally {
    await db?.close();
    await server.stop();
  }
}

export const stateRestoreBench: Bench = { name: 'restore', run: stateRestore };
