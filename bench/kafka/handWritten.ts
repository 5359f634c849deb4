/**
 * The baseline of the Kafka benchmark: the sensor consumer a user would write by hand with
 * kafkajs and pg, doing the same durable work as vigie's flow and nothing more. `eachBatch`
 * parses each value, keeps the last 21 values per topic (state -2 while the window fills),
 * labels a full window with vigie's own `dbscanLabel` (so the two differ by their pipelines, not
 * their algorithm), writes the whole batch as ONE multi-row INSERT into a table of its own shaped
 * like `sensor_detections` (same columns, same unique key, `ON CONFLICT DO NOTHING`), then
 * resolves and commits the batch's offsets. One batch at a time: the next fetch waits for the
 * commit, which is what keeps such a consumer at-least-once without any bookkeeping.
 *
 * What it leaves out, and vigie does not: dead letters (a value that does not parse is skipped),
 * backpressure (a batch is whatever kafkajs fetched), acknowledgements out of order, retries, a
 * graceful stop that drains, state checkpointed with the offsets. The benchmark's records hold
 * nothing bad, so none of that costs vigie here beyond its bookkeeping.
 */
import type { KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import { dbscanLabel } from '../../src/detectors/dbscan.ts';
import { kafkaClient } from './records.ts';

/** The prototype's window, and DBSCAN's options as `vigie detect sensors` uses them by default. */
const WINDOW = 21;
const DBSCAN = { eps: 0.5, minSamples: 5 };

/** A fresh table shaped like `sensor_detections` (its columns, defaults and unique key). */
export async function createHandWrittenTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(`CREATE TABLE ${table} (LIKE sensor_detections INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
}

const insertInto = (table: string): string =>
  `INSERT INTO ${table} (topic, value, event_time, state, detector, score, fill, source, source_partition, source_offset) ` +
  'SELECT * FROM unnest($1::text[], $2::float8[], $3::timestamptz[], $4::int2[], $5::text[], $6::float8[], $7::float4[], $8::text[], $9::int4[], $10::int8[]) ' +
  'ON CONFLICT (source, source_partition, source_offset, detector) DO NOTHING';

export interface HandWrittenStats {
  /** `performance.now()` when the first batch was handed over, and when the last INSERT committed. */
  readonly first: number;
  readonly last: number;
  readonly inserts: number;
  readonly insertMs: number;
}

export interface RunningHandWritten {
  /** Records whose batch is inserted and committed. */
  readonly rows: () => number;
  readonly stats: () => HandWrittenStats;
  /** Resolves once `rows()` reached `count`; rejects if the consumer crashed first. */
  rowsReached(count: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads `topic` from the start in group `groupId` into `table`. `onInserted`: a batch's rows are
 * committed in PostgreSQL (its offsets are committed next), with the moment it happened.
 */
export async function startHandWritten(
  brokers: readonly string[],
  pool: pg.Pool,
  options: { topic: string; groupId: string; table: string },
  onInserted: (messages: readonly KafkaMessage[], now: number) => void = () => {},
): Promise<RunningHandWritten> {
  const { topic, groupId, table } = options;
  const sql = insertInto(table);
  const consumer = kafkaClient(brokers, 'vigie-bench-hand-written').consumer({ groupId, maxWaitTimeInMs: 1000 });
  const windows = new Map<string, number[]>();
  let rows = 0;
  let failure: unknown;
  const stats = { first: 0, last: 0, inserts: 0, insertMs: 0 };
  const waiting: { count: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  const settle = (): void => {
    for (const w of waiting.splice(0)) {
      if (failure !== undefined) w.reject(failure);
      else if (rows >= w.count) w.resolve();
      else waiting.push(w);
    }
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    failure = payload.error;
    settle();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets }) => {
      stats.first ||= performance.now();
      const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
      const [topics, values, times, states, detectors, scores, fills, sources, partitions, offsets] = columns as [
        string[], number[], string[], number[], string[], (number | null)[], number[], string[], number[], string[],
      ];
      for (const message of batch.messages) {
        const value = Number(message.value?.toString());
        if (message.value === null || !Number.isFinite(value)) continue;
        let window = windows.get(batch.topic);
        if (!window) windows.set(batch.topic, (window = []));
        window.push(value);
        if (window.length > WINDOW) window.shift();
        const label = window.length === WINDOW ? dbscanLabel(window, DBSCAN) : undefined;
        topics.push(batch.topic);
        values.push(value);
        times.push(new Date(Number(message.timestamp)).toISOString());
        states.push(label ? (label.noise ? -1 : 1) : -2);
        detectors.push('dbscan');
        scores.push(label ? label.score : null);
        fills.push(window.length / WINDOW);
        sources.push(batch.topic);
        partitions.push(batch.partition);
        offsets.push(message.offset);
      }
      const started = performance.now();
      if (topics.length > 0) await pool.query(sql, columns);
      stats.last = performance.now();
      stats.inserts += 1;
      stats.insertMs += stats.last - started;
      onInserted(batch.messages, Date.now());
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary(uncommittedOffsets());
      rows += batch.messages.length;
      settle();
    },
  });
  return {
    rows: () => rows,
    stats: () => ({ ...stats }),
    rowsReached: (count) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ count, resolve, reject });
        settle();
      }),
    stop: () => consumer.disconnect(),
  };
}
