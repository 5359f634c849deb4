/**
 * State written down with its offsets in a real PostgreSQL, and a real Kafka consumer that
 * restores it on assignment: records the state covers are not emitted again, and a committed
 * offset ahead of the state is read again from the state's offset.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Subject, firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fromKafka } from '../../src/adapters/kafka/fromKafka.ts';
import { VigieError } from '../../src/errors.ts';
import { type Checkpoints, postgresCheckpoints } from '../../src/state/checkpoints.ts';
import { StateStore } from '../../src/state/stateStore.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, uniqueTopic } from '../helpers/kafka.ts';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('postgresCheckpoints', () => {
  it('writes the keys changed before a snapshot as they were when it was taken, and restores exactly that', async () => {
    const store = new StateStore<{ n: number }>('counts');
    const p0 = store.partition('t', 0);
    p0.set('\u0000 any key', { n: -1 }); // a text column takes no NUL: keys are stored as JSON
    for (let offset = 0; offset < 6; offset++) p0.set(`k${offset % 3}`, { n: offset });
    const checkpoints = postgresCheckpoints(db.pool, 'g1', [store as StateStore<unknown>]);
    const first = checkpoints.snapshot([{ topic: 't', partition: 0, offset: 6 }]);
    // records after the snapshot change the state before it is written
    for (let offset = 6; offset < 10; offset++) p0.set(`k${offset % 3}`, { n: offset });
    p0.delete('k2');
    await checkpoints.write(first);
    const restored = new StateStore<{ n: number }>('counts');
    const covered = await postgresCheckpoints(db.pool, 'g1', [restored as StateStore<unknown>]).restore('t', 0);
    expect(covered).toBe(6);
    // as after records 0..5: k0 = 3, k1 = 4, k2 = 5
    expect(Object.fromEntries(restored.partition('t', 0).entries())).toEqual({ '\u0000 any key': { n: -1 }, k0: { n: 3 }, k1: { n: 4 }, k2: { n: 5 } });
    // the rest goes with the next snapshot, the deletion too
    await checkpoints.write(checkpoints.snapshot([{ topic: 't', partition: 0, offset: 10 }]));
    await postgresCheckpoints(db.pool, 'g1', [restored as StateStore<unknown>]).restore('t', 0);
    expect(Object.fromEntries(restored.partition('t', 0).entries())).toEqual({ '\u0000 any key': { n: -1 }, k0: { n: 9 }, k1: { n: 7 } });
    // another group keeps its own state
    expect(await postgresCheckpoints(db.pool, 'g2', [restored as StateStore<unknown>]).restore('t', 0)).toBeUndefined();
  });

  it('gives the keys of a snapshot it could not write to the next one', async () => {
    const store = new StateStore<number>('retried');
    store.partition('t', 2).set('a', 1);
    const away = new pg.Pool({ connectionString: 'postgres://nobody:secret@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    try {
      const broken = postgresCheckpoints(away, 'g', [store as StateStore<unknown>]);
      await expect(broken.write(broken.snapshot([{ topic: 't', partition: 2, offset: 1 }]))).rejects.toThrow();
    } finally {
      await away.end();
    }
    store.partition('t', 2).set('b', 2);
    const checkpoints = postgresCheckpoints(db.pool, 'g', [store as StateStore<unknown>]);
    await checkpoints.write(checkpoints.snapshot([{ topic: 't', partition: 2, offset: 2 }]));
    const restored = new StateStore<number>('retried');
    expect(await postgresCheckpoints(db.pool, 'g', [restored as StateStore<unknown>]).restore('t', 2)).toBe(2);
    expect(Object.fromEntries(restored.partition('t', 2).entries())).toEqual({ a: 1, b: 2 });
  });

  it('never lets an older checkpoint overwrite a newer one (a process that lost the partition late)', async () => {
    const newer = new StateStore<string>('s');
    newer.partition('t', 1).set('k', 'new');
    const a = postgresCheckpoints(db.pool, 'g', [newer as StateStore<unknown>]);
    await a.write(a.snapshot([{ topic: 't', partition: 1, offset: 20 }]));
    const older = new StateStore<string>('s');
    older.partition('t', 1).set('k', 'old');
    older.partition('t', 1).set('other', 'old');
    const b = postgresCheckpoints(db.pool, 'g', [older as StateStore<unknown>]);
    const refused = await b.write(b.snapshot([{ topic: 't', partition: 1, offset: 12 }])).catch((error: unknown) => error);
    // an error of src/errors.ts, saying where and that a retry cannot help
    expect(refused).toBeInstanceOf(VigieError);
    expect(refused).toMatchObject({
      code: 'CHECKPOINT_STALE',
      retriable: false,
      where: { store: 's', topic: 't', partition: 1, offset: 12, written: 20 },
      message: 'another process wrote this state up to offset 20; this snapshot covers 12 only and is not written (the partition has moved) (store=s topic=t partition=1 offset=12 written=20)',
    });
    const restored = new StateStore<string>('s');
    expect(await postgresCheckpoints(db.pool, 'g', [restored as StateStore<unknown>]).restore('t', 1)).toBe(20);
    expect(Object.fromEntries(restored.partition('t', 1).entries())).toEqual({ k: 'new' });
  });

  it('removes a deleted key\'s row, and writes nothing for a key made and deleted between two snapshots', async () => {
    const store = new StateStore<number>('rows');
    const p = store.partition('t', 3);
    p.set('kept', 1);
    p.set('gone', 2);
    const checkpoints = postgresCheckpoints(db.pool, 'g', [store as StateStore<unknown>]);
    await checkpoints.write(checkpoints.snapshot([{ topic: 't', partition: 3, offset: 2 }]));
    p.delete('gone');
    p.set('brief', 3);
    p.delete('brief');
    await checkpoints.write(checkpoints.snapshot([{ topic: 't', partition: 3, offset: 5 }]));
    const rows = await db.pool.query<{ key: string; value: string | null }>("SELECT key, value FROM vigie_state WHERE store = 'g/rows' ORDER BY key");
    expect(rows.rows).toEqual([{ key: '"kept"', value: '1' }]);
  });
});

/**
 * The real pool, but the first read of a store's keys (`FROM vigie_state `, on a restore) waits
 * for `between` before it returns: another process's checkpoint then commits between two
 * stores' reads at the same point on every run, whatever the scheduling.
 */
function pausingAfterFirstKeys(pool: pg.Pool, between: () => Promise<void>): pg.Pool {
  let paused = false;
  type Query = (...args: unknown[]) => Promise<unknown>;
  const pausing = (query: Query): Query => async (...args) => {
    const result = await query(...args);
    if (!paused && String(args[0]).includes('FROM vigie_state ')) {
      paused = true;
      await between();
    }
    return result;
  };
  /** `target` with `overrides`; its own methods keep `target` as `this`. */
  const wrap = <T extends object>(target: T, overrides: Record<string, unknown>): T =>
    new Proxy(target, {
      get: (t, p) => {
        if (typeof p === 'string' && p in overrides) return overrides[p];
        const v: unknown = Reflect.get(t, p, t);
        return typeof v === 'function' ? (v as Query).bind(t) : v;
      },
    });
  return wrap(pool, {
    query: pausing(pool.query.bind(pool) as Query),
    connect: async () => {
      const client = await pool.connect();
      return wrap(client, { query: pausing(client.query.bind(client) as Query) });
    },
  });
}

describe('a restore racing a checkpoint', () => {
  /*
   * The fraud rules keep two stores that are consistent only together (accounts and the
   * transactions held within the lateness). A restore read them one after the other, outside a
   * transaction: a checkpoint of the partition's previous owner (which did not know yet it had
   * lost it) committing between the two reads gave accounts as of one offset and held
   * transactions as of another, and the records between them counted twice in one store.
   */
  it('reads every store of a partition as of one moment', async () => {
    const stores = () => [new StateStore<string>('accounts'), new StateStore<string>('held')];
    const owner = stores();
    const checkpoints = postgresCheckpoints(db.pool, 'g-race', owner as StateStore<unknown>[]);
    const at = async (offset: number): Promise<void> => {
      for (const store of owner) store.partition('t', 4).set('k', `${store.name} at ${offset}`);
      await checkpoints.write(checkpoints.snapshot([{ topic: 't', partition: 4, offset }]));
    };
    await at(10);
    const restored = stores();
    const racing = pausingAfterFirstKeys(db.pool, () => at(20));
    const covered = await postgresCheckpoints(racing, 'g-race', restored as StateStore<unknown>[]).restore('t', 4);
    const [accounts, held] = restored.map((store) => store.partition('t', 4).get('k'));
    expect({ covered, accounts, held }).toEqual({ covered: 10, accounts: 'accounts at 10', held: 'held at 10' });
    // the checkpoint did land: the next restore reads it, both stores at 20
    const next = stores();
    expect(await postgresCheckpoints(db.pool, 'g-race', next as StateStore<unknown>[]).restore('t', 4)).toBe(20);
    expect(next.map((store) => store.partition('t', 4).get('k'))).toEqual(['accounts at 20', 'held at 20']);
  });
});

describe('fromKafka with state', () => {
  const brokers = inject('kafkaBrokers');

  async function produce(topic: string, n: number): Promise<void> {
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: String(i), partition: 0 })) });
    await producer.disconnect();
  }

  /** Checkpoints that say the state covers `covered`, and record what they were asked to write. */
  function stateAt(covered: number | undefined): Checkpoints & { written: number[] } {
    const written: number[] = [];
    return {
      written,
      restore: async () => covered,
      snapshot: (offsets) => ({ offsets }),
      write: async (snapshot) => void written.push(...snapshot.offsets.map((o) => o.offset)),
      revoke: () => {},
    };
  }

  async function consume(topic: string, group: string, state: Checkpoints, count: number): Promise<number[]> {
    const stop$ = new Subject<void>();
    const records = fromKafka({ brokers, topics: [topic], groupId: group, stop$, commitIntervalMs: 200, checkpointIntervalMs: 200, state });
    const offsets = await firstValueFrom(records.pipe(take(count), toArray())).then((rs) => {
      for (const r of rs) r.ack();
      return rs.map((r) => r.offset);
    });
    await new Promise((resolve) => setTimeout(resolve, 600)); // a commit or two
    stop$.next();
    return offsets;
  }

  it('skips the records the restored state covers, and commits past them', async () => {
    const topic = uniqueTopic('state-skip');
    await createTopic(brokers, topic, 1);
    await produce(topic, 10);
    const state = stateAt(6);
    expect(await consume(topic, 'g-skip', state, 4)).toEqual([6, 7, 8, 9]);
    expect(state.written.at(-1)).toBe(10);
    expect(await committedOffsets(brokers, 'g-skip', topic)).toEqual([10]);
  });

  it('reads again from the state\'s offset when the committed offset is ahead of it', async () => {
    const topic = uniqueTopic('state-behind');
    await createTopic(brokers, topic, 1);
    await produce(topic, 10);
    // a first consumer commits 8 with no state at all
    expect(await consume(topic, 'g-behind', stateAt(undefined), 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await committedOffsets(brokers, 'g-behind', topic)).toEqual([8]);
    // the state says 3: records 3.. are read again, so that the state holds them
    expect(await consume(topic, 'g-behind', stateAt(3), 7)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });
});
