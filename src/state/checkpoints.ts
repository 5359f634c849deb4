/**
 * State written down with the offsets it covers, in PostgreSQL, and read back when a partition is
 * assigned: the mechanism that makes a restart, a crash or a partition moving to another process
 * give the results of an uninterrupted run.
 *
 * - Every checkpoint interval the source takes a snapshot at each partition's position `p` (the
 *   record after the last one emitted: the state holds every record below `p` and none after):
 *   the values of the keys changed since the previous snapshot, immutable, held aside. Once
 *   every record below `p` is durably written, they are upserted in one transaction with `p`
 *   itself (`vigie_state`, `vigie_state_offsets`) and the Kafka commit of `p` follows; if it is
 *   lost, the state's offset is the truth: records below it are skipped when read again (their
 *   results are already written), so no record counts twice in the state. A snapshot that
 *   fails to be written gives its keys back to the next one; nothing is committed meanwhile.
 * - On assignment, the partition's keys and offset are loaded before its first record, every
 *   store's in one REPEATABLE READ transaction (one moment, whatever commits meanwhile); records
 *   below the offset are skipped, and a committed offset behind the state's is read from there.
 * - Writes are monotonic per partition: a write locks the partition's offset row and is refused
 *   when another process wrote a newer offset there (a process that lost a partition and did not
 *   know yet cannot write older state over newer), and each key's upsert is guarded the same way.
 *   Since the operators are deterministic, a key's value at an offset is the same whoever
 *   computed it, so the rows are always the state as of their partition's offset. That fence is
 *   what lets a deleted key's row go for good (no tombstone left behind): no older write can
 *   bring it back.
 *
 * Keys are stored as JSON strings: any key (a NUL, bytes of a Kafka key) fits a text column.
 *
 * Cost: one transaction per checkpoint interval (5 s by default), holding each key changed
 * meanwhile once, whatever the number of records; nothing per record but marking its key dirty.
 * A restart reads the partition's keys and replays the records since the last checkpoint.
 */
import type pg from 'pg';
import { VigieError } from '../errors.ts';
import { inTransaction } from '../pgTransaction.ts';
import type { PartitionChanges, StateStore } from './stateStore.ts';

/** The state of some partitions as of their positions, taken and not yet written. */
export interface Snapshot {
  /** Per partition, the offset the snapshot covers: every record below it, none after. */
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[];
}

/** What a source calls around its partitions' lives (see `fromKafka`'s `state`). */
export interface Checkpoints {
  /** Loads the partition's state; the offset it covers (records below it are in it), if any. */
  restore(topic: string, partition: number): Promise<number | undefined>;
  /**
   * Takes the state of these partitions as it is now, synchronously: the caller says every record
   * below each offset is in it, and none after.
   */
  snapshot(positions: Snapshot['offsets']): Snapshot;
  /**
   * Writes a snapshot once every record below its offsets is durably written, only `partitions`
   * of it when given (the rest is dropped); a rejection means its offsets must not be committed
   * (its keys go with the next snapshot).
   */
  write(snapshot: Snapshot, partitions?: readonly { topic: string; partition: number }[]): Promise<void>;
  /** The partitions went elsewhere: their state is dropped here. */
  revoke(partitions: readonly { topic: string; partition: number }[]): void;
  /**
   * The offset the partition's state was restored at, if a state was found: it is written down
   * already, and a snapshot at a position below it (records skipped as covered) has nothing to write.
   */
  restoredAt?(topic: string, partition: number): number | undefined;
}

/**
 * The keys and values of a slice travel as one JSON array of `[key, value]` pairs (deleted keys go
 * by DELETE_KEYS), taken apart by PostgreSQL: one native JSON.stringify per slice, where a text array
 * per column cost an escaping pass over every value in pg. On the json type, `->` gives the exact
 * text of each element: the stored key and value are the JSON texts they always were. PostgreSQL
 * will not take a \u0000 apart, so a slice holding one (a key of raw bytes) goes as two text
 * arrays instead ({@link UPSERT_KEYS_ARRAYS}).
 */
const UPSERT_KEYS = `INSERT INTO vigie_state (store, topic, source_partition, key, value, covered_offset)
  SELECT $1, $2, $3, (e->0)::text, (e->1)::text, $4
  FROM json_array_elements($5::json) AS e
  ON CONFLICT (store, topic, source_partition, key) DO UPDATE SET value = EXCLUDED.value, covered_offset = EXCLUDED.covered_offset
  WHERE vigie_state.covered_offset <= EXCLUDED.covered_offset`;

const UPSERT_KEYS_ARRAYS = `INSERT INTO vigie_state (store, topic, source_partition, key, value, covered_offset)
  SELECT $1, $2, $3, k, v, $4 FROM unnest($5::text[], $6::text[]) AS u(k, v)
  ON CONFLICT (store, topic, source_partition, key) DO UPDATE SET value = EXCLUDED.value, covered_offset = EXCLUDED.covered_offset
  WHERE vigie_state.covered_offset <= EXCLUDED.covered_offset`;

/** Keys forgotten (as JSON): their rows go (see the fence in the file's comment). */
const DELETE_KEYS = `DELETE FROM vigie_state WHERE store = $1 AND topic = $2 AND source_partition = $3 AND key = ANY($4::text[])`;

/** The partition's offset row, locked until the transaction ends: the fence against an older write. */
const LOCK_OFFSET = `SELECT covered_offset FROM vigie_state_offsets WHERE store = $1 AND topic = $2 AND source_partition = $3 FOR UPDATE`;

const UPSERT_OFFSET = `INSERT INTO vigie_state_offsets (store, topic, source_partition, covered_offset)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (store, topic, source_partition) DO UPDATE SET covered_offset = EXCLUDED.covered_offset, written_at = now()
  WHERE vigie_state_offsets.covered_offset <= EXCLUDED.covered_offset`;

/** Where a snapshot keeps what it took, out of its public shape. */
const WRITES = Symbol('writes');
type Taken = Snapshot & { [WRITES]?: { store: StateStore<unknown>; changes: PartitionChanges<unknown> }[] };

/**
 * JSON characters per statement, about: far below V8's longest string and PostgreSQL's 1 GB field,
 * and small enough that building one holds the event loop a few ms only. A slice is built while
 * the rows' transactions go on (the default rules' checkpoint at 5 000/s holds tens of thousands
 * of transactions); at 8 MB a slice held it 40-80 ms, which every record behind it waited for.
 */
const SLICE_CHARS = 500_000;

/** The changed keys' values as JSON arrays of `[key, value]` pairs of about {@link SLICE_CHARS} each. */
function* slices(changes: ReadonlyMap<string, unknown>): Generator<{ json: string; entries: [string, unknown][] }> {
  let parts: string[] = [];
  let entries: [string, unknown][] = [];
  let chars = 0;
  for (const [key, value] of changes) {
    if (value === undefined) continue;
    const part = JSON.stringify([key, value]);
    parts.push(part);
    entries.push([key, value]);
    chars += part.length + 1;
    if (chars >= SLICE_CHARS) {
      yield { json: `[${parts.join(',')}]`, entries };
      [parts, entries, chars] = [[], [], 0];
    }
  }
  if (parts.length > 0) yield { json: `[${parts.join(',')}]`, entries };
}

/** The deleted keys, as stored (JSON). */
function deletions(changes: ReadonlyMap<string, unknown>): string[] {
  const keys: string[] = [];
  for (const [key, value] of changes) if (value === undefined) keys.push(JSON.stringify(key));
  return keys;
}

/**
 * Each store's offset and keys for a partition, all read in one REPEATABLE READ transaction: a
 * checkpoint committing meanwhile (the partition's previous owner, not yet told it lost it) is
 * seen by every store or by none. Stores that are consistent only together (the fraud rules'
 * accounts and held transactions) are then restored as of one offset.
 */
async function readOneMoment(
  pool: pg.Pool,
  stores: readonly string[],
  topic: string,
  partition: number,
  alsoRead: (client: pg.ClientBase) => Promise<number | undefined>,
): Promise<{ read: { at: number | undefined; rows: { key: string; value: string }[]; ms: number }[]; also: number | undefined }> {
  return inTransaction(
    pool,
    async (client) => {
      const also = await alsoRead(client);
      const read = [];
      for (const store of stores) {
        const started = Date.now();
        const offset = await client.query<{ covered_offset: string }>(
          'SELECT covered_offset FROM vigie_state_offsets WHERE store = $1 AND topic = $2 AND source_partition = $3',
          [store, topic, partition],
        );
        const rows = await client.query<{ key: string; value: string }>(
          'SELECT key, value FROM vigie_state WHERE store = $1 AND topic = $2 AND source_partition = $3 AND value IS NOT NULL',
          [store, topic, partition],
        );
        const at = offset.rows[0] === undefined ? undefined : Number(offset.rows[0].covered_offset);
        read.push({ at, rows: rows.rows, ms: Date.now() - started });
      }
      return { result: { read, also }, commit: true };
    },
    undefined,
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

export interface PostgresCheckpointsOptions {
  /** Told of each restore: for the log and the metrics. */
  readonly onRestore?: (info: { store: string; topic: string; partition: number; keys: number; offset: number | undefined; ms: number }) => void;
  /**
   * The outputs' offsets (the transactional path): read in the restore's transaction, at the
   * state's moment. Where no state is stored, `restore` says the output offset is covered:
   * records below it are done.
   */
  readonly outputs?: { readIn(client: pg.ClientBase, topic: string, partition: number): Promise<number | undefined> };
}

/** Checkpoints that can also be written inside a transaction of the caller's (with the rows they cover). */
export interface PostgresCheckpoints extends Checkpoints {
  /** {@link Checkpoints.write} in the caller's transaction; on a failure (here or later) the caller calls {@link abandon}. */
  writeIn(client: pg.ClientBase, snapshot: Snapshot, partitions?: readonly { topic: string; partition: number }[]): Promise<void>;
  /** The snapshot was not written: its keys go with the next one. */
  abandon(snapshot: Snapshot): void;
}

/**
 * Checkpoints of `stores` in the database of `pool`, under `group` (the consumer group: two groups
 * reading one topic keep separate state).
 */
export function postgresCheckpoints(pool: pg.Pool, group: string, stores: readonly StateStore<unknown>[], options: PostgresCheckpointsOptions = {}): PostgresCheckpoints {
  const id = (store: StateStore<unknown>): string => `${group}/${store.name}`;
  const taken = (snapshot: Snapshot, partitions?: readonly { topic: string; partition: number }[]) => {
    const writes = (snapshot as Taken)[WRITES];
    if (writes === undefined) throw new TypeError('postgresCheckpoints: a snapshot of other checkpoints');
    return partitions === undefined ? writes : writes.filter(({ changes: c }) => partitions.some((p) => p.topic === c.topic && p.partition === c.partition));
  };
  const writeIn = async (client: pg.ClientBase, writes: ReturnType<typeof taken>): Promise<void> => {
    for (const { store, changes } of writes) {
      const { topic, partition, offset } = changes;
      const written = await client.query<{ covered_offset: string }>(LOCK_OFFSET, [id(store), topic, partition]);
      const newer = written.rows[0] === undefined ? undefined : Number(written.rows[0].covered_offset);
      if (newer !== undefined && newer > offset) {
        // older than what another process wrote for the partition: never written over newer state
        throw new VigieError('CHECKPOINT_STALE', `another process wrote this state up to offset ${newer}; this snapshot covers ${offset} only and is not written (the partition has moved)`, {
          where: { store: store.name, topic, partition, offset, written: newer },
        });
      }
      const gone = deletions(changes.changes);
      if (gone.length > 0) await client.query(DELETE_KEYS, [id(store), topic, partition, gone]);
      // in slices of about SLICE_CHARS of JSON: a backlog's first checkpoint may hold a
      // million keys, or accounts holding thousands of recent transactions each
      for (const slice of slices(changes.changes)) {
        if (!slice.json.includes('\\u0000')) await client.query(UPSERT_KEYS, [id(store), topic, partition, offset, slice.json]);
        else {
          const keys = slice.entries.map(([k]) => JSON.stringify(k));
          const values = slice.entries.map(([, v]) => JSON.stringify(v));
          await client.query(UPSERT_KEYS_ARRAYS, [id(store), topic, partition, offset, keys, values]);
        }
      }
      await client.query(UPSERT_OFFSET, [id(store), topic, partition, offset]);
    }
  };
  const noOutputs = async (): Promise<undefined> => undefined;
  const restoredAt = new Map<string, number>();
  const at = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
  return {
    restoredAt: (topic, partition) => restoredAt.get(at(topic, partition)),

    async restore(topic, partition) {
      const { read, also: written } = await readOneMoment(pool, stores.map(id), topic, partition, (client) => options.outputs?.readIn(client, topic, partition) ?? noOutputs());
      let covered: number | undefined;
      stores.forEach((store, i) => {
        const { at, rows, ms } = read[i]!;
        store.restore(topic, partition, rows.map((r) => [JSON.parse(r.key) as string, JSON.parse(r.value) as unknown] as const));
        options.onRestore?.({ store: store.name, topic, partition, keys: rows.length, offset: at, ms });
        // Stores written in one transaction share their offset; the lowest is safe in any case.
        if (at !== undefined) covered = covered === undefined ? at : Math.min(covered, at);
      });
      if (covered === undefined) restoredAt.delete(at(topic, partition));
      else restoredAt.set(at(topic, partition), covered);
      return covered ?? written;
    },

    snapshot(positions) {
      const writes = stores.flatMap((store) => store.snapshot(positions).map((changes) => ({ store, changes })));
      return Object.assign({ offsets: positions }, { [WRITES]: writes });
    },

    async write(snapshot, partitions) {
      const writes = taken(snapshot, partitions);
      if (writes.length === 0) return;
      await inTransaction(
        pool,
        async (client) => ({ result: await writeIn(client, writes), commit: true }),
        () => {
          for (const { changes } of writes) changes.abandon();
        },
      );
    },

    writeIn: (client, snapshot, partitions) => writeIn(client, taken(snapshot, partitions)),

    abandon(snapshot) {
      for (const { changes } of taken(snapshot)) changes.abandon();
    },

    revoke(partitions) {
      for (const { topic, partition } of partitions) restoredAt.delete(at(topic, partition));
      for (const store of stores) for (const { topic, partition } of partitions) store.drop(topic, partition);
    },
  };
}
