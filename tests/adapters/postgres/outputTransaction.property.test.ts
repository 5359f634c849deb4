/**
 * The transactional commit and its restore, for any interleaving of records, commits, failed
 * transactions, checkpoint intervals and kills: the rows in PostgreSQL are an uninterrupted run's,
 * each once. Real parts throughout (OffsetTracker, the staging, the output offsets' fence, the
 * state's checkpoints, transactionalCommits, outputTransaction, PostgreSQL); what stands in for
 * Kafka and the rules is a loop over offsets whose rows depend on the state (a running sum per
 * partition), so that a state rebuilt wrong, or a row written twice or dropped, shows. A failed
 * transaction is a pool whose `connect` refuses once (the database away), since a real outage
 * cannot be timed to one transaction; a rebalance that revokes a partition and gives it back to
 * the same process while a transaction waits for its connection is a pool whose `connect` waits
 * until the partition is restored again (kafkajs's GROUP_JOIN does not wait for the commit chain).
 *
 * The suspicious rows' unique key is dropped: a row written twice would be two rows.
 */
import fc from 'fast-check';
import type pg from 'pg';
import { of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/adapters/kafka/offsetTracker.ts';
import { transactionalCommits } from '../../../src/adapters/kafka/transactionalCommits.ts';
import { OutputOffsets } from '../../../src/adapters/postgres/outputOffsets.ts';
import { outputTransaction } from '../../../src/adapters/postgres/outputTransaction.ts';
import { TransactionalOutputs } from '../../../src/adapters/postgres/transactionalOutputs.ts';
import { postgresCheckpoints } from '../../../src/state/checkpoints.ts';
import { StateStore } from '../../../src/state/stateStore.ts';
import { refusedDeadLetter } from '../../../src/streams/acknowledgements.ts';
import type { SuspiciousTransaction } from '../../../src/types.ts';
import { type FreshDatabase, freshDatabase } from '../../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await db.pool.query('ALTER TABLE suspicious_transactions DROP CONSTRAINT suspicious_transactions_source_revision_key');
});
afterAll(() => db.drop());

const PARTITIONS = 2;
const RECORDS = 60;
const value = (p: number, offset: number): number => ((offset * 7 + p * 3) % 11) + 1;

/** What an uninterrupted run writes: a row for each record whose running sum is a multiple of 3. */
function expectedRows(): string[] {
  const rows: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    let sum = 0;
    for (let o = 0; o < RECORDS; o++) {
      sum += value(p, o);
      if (sum % 3 === 0) rows.push(`${p}/${o}/${sum}`);
    }
  }
  return rows.sort();
}

type Action =
  | { readonly kind: 'emit'; readonly partition: number; readonly count: number }
  | { readonly kind: 'commit' }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'fail' }
  | { readonly kind: 'rebalance'; readonly partition: number; readonly count: number }
  | { readonly kind: 'kill' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('emit' as const), partition: fc.integer({ min: 0, max: PARTITIONS - 1 }), count: fc.integer({ min: 1, max: 15 }) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 100, max: 6_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebalance' as const), partition: fc.integer({ min: 0, max: PARTITIONS - 1 }), count: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'kill' as const }) },
);

/** One process's life: restored from PostgreSQL, then fed records and committing. */
async function life(topic: string, group: string, clock: { now: number }) {
  const tracker = new OffsetTracker();
  const store = new StateStore<number>('sum');
  const offsets = new OutputOffsets(group);
  const staging = new TransactionalOutputs((t, p) => offsets.owns(t, p));
  const checkpoints = postgresCheckpoints(db.pool, group, [store as StateStore<unknown>], { outputs: offsets });
  let refuse = false;
  /** While set, a transaction's connection waits for it (and says it is waiting). */
  let gate: { readonly open: Promise<void>; readonly waiting: () => void } | undefined;
  const pool = {
    connect: async () => {
      if (gate) {
        gate.waiting();
        await gate.open;
      }
      if (!refuse) return db.pool.connect();
      refuse = false;
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    },
  } as unknown as pg.Pool;
  const lost: number[] = [];
  const commits = transactionalCommits({
    tracker,
    transaction: outputTransaction({ pool, staging, offsets, checkpoints, refusedDeadLetter: (r) => refusedDeadLetter(r, 'test', 0), log: () => {} }),
    commitOffsets: async () => {},
    log: () => {},
    state: checkpoints,
    checkpointIntervalMs: 5_000,
    commitIntervalMs: 1_000,
    // never by a timer: each commit is an action
    lingerMs: 1e9,
    lost: (tps) => lost.push(...tps.map((tp) => tp.partition)),
    committed: () => {},
    fail: (error) => {
      throw error;
    },
    timeoutMs: 1_000,
    now: () => clock.now,
  });
  const next: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) next.push((await checkpoints.restore(topic, p)) ?? 0);
  const emit = (p: number): void => {
    const offset = next[p]!;
    if (offset >= RECORDS) return;
    next[p] = offset + 1;
    tracker.track(topic, p, offset);
    const state = store.partition(topic, p);
    const sum = (state.get('sum') ?? 0) + value(p, offset);
    state.set('sum', sum);
    const ref = { source: topic, partition: p, offset };
    if (sum % 3 === 0 && !offsets.replayed(topic, p, offset)) {
      const row: SuspiciousTransaction = { transaction: { id: offset, transaction_id: p, amount: sum, currency: 'XAF', timestamp: '2026-01-05 09:00:00' }, reasons: ['sum'], score: 1, ref };
      of(row).pipe(staging.suspicious).subscribe();
    }
    tracker.ack(topic, p, offset);
  };
  /** A rebalance that takes partition `p` away and gives it back here while a transaction waits for its connection. */
  const rebalance = async (p: number, count: number): Promise<void> => {
    let open!: () => void;
    let waiting!: () => void;
    const asked = new Promise<void>((resolve) => (waiting = resolve));
    gate = { open: new Promise<void>((resolve) => (open = resolve)), waiting };
    const inFlight = commits.commit();
    await Promise.race([asked, inFlight]);
    // what fromKafka's GROUP_JOIN does with a partition revoked, then what its first batch does
    const tps = [{ topic, partition: p }];
    tracker.revoke(tps);
    checkpoints.revoke(tps);
    staging.drop(tps);
    offsets.forget(tps);
    next[p] = (await checkpoints.restore(topic, p)) ?? 0;
    for (let i = 0; i < count; i++) emit(p);
    gate = undefined;
    open();
    await inFlight;
  };
  return { commits, emit, next, lost, rebalance, fail: () => (refuse = true) };
}

describe('the transactional commit and restore', () => {
  it('write, for any interleaving of records, commits, failures, checkpoints, rebalances and kills, the rows of an uninterrupted run once each', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 8, maxLength: 60, size: 'max' }), async (actions) => {
        const topic = `t${run}`;
        const group = `g${run++}`;
        const clock = { now: 0 };
        let current = await life(topic, group, clock);
        for (const a of actions) {
          if (a.kind === 'emit') for (let i = 0; i < a.count; i++) current.emit(a.partition);
          else if (a.kind === 'commit') await current.commits.commit();
          else if (a.kind === 'tick') clock.now += a.ms;
          else if (a.kind === 'fail') current.fail();
          else if (a.kind === 'rebalance') await current.rebalance(a.partition, a.count);
          else {
            current.commits.stop();
            current = await life(topic, group, clock);
          }
        }
        // the rest, uninterrupted, until everything is committed
        for (let p = 0; p < PARTITIONS; p++) while (current.next[p]! < RECORDS) current.emit(p);
        for (let i = 0; i < 3; i++) await current.commits.commit();
        current.commits.stop();
        expect(current.lost).toEqual([]);
        const { rows } = await db.pool.query<{ p: number; o: string; amount: string }>(
          'SELECT source_partition AS p, source_offset AS o, amount FROM suspicious_transactions WHERE source = $1',
          [topic],
        );
        expect(rows.map((r) => `${r.p}/${r.o}/${Number(r.amount)}`).sort()).toEqual(expectedRows());
        const ends = await db.pool.query<{ next_offset: string }>('SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 ORDER BY source_partition', [group]);
        expect(ends.rows.map((r) => Number(r.next_offset))).toEqual(Array.from({ length: PARTITIONS }, () => RECORDS));
      }),
      {
        numRuns: 100,
        // the case of [S, R): a checkpoint in the first transaction, rows after it in a second, a kill
        examples: [
          [[{ kind: 'emit', partition: 0, count: 10 }, { kind: 'commit' }, { kind: 'emit', partition: 0, count: 10 }, { kind: 'commit' }, { kind: 'kill' }]],
          // npm run chaos -- --seed 21: a transaction that waited for its connection across a
          // rebalance giving its partition back here wrote the offset of records it had not staged
          [[{ kind: 'emit', partition: 0, count: 10 }, { kind: 'commit' }, { kind: 'emit', partition: 0, count: 10 }, { kind: 'rebalance', partition: 0, count: 3 }, { kind: 'kill' }]],
        ],
      },
    );
  }, 300_000);
});
