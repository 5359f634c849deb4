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
 * graceful stop that drains. The backlog holds no bad record, so none of that costs vigie here
 * beyond its bookkeeping.
 */
import type pg from 'pg';
import { dbscanLabel } from '../../src/detectors/dbscan.ts';
import { progress } from '../../src/cli/progress.ts';
import { withTimeout } from './rawConsume.ts';
import { kafkaClient } from './records.ts';

/** The prototype's window, and DBSCAN's options as `vigie detect sensors` uses them by default. */
const WINDOW = 21;
const DBSCAN = { eps: 0.5, minSamples: 5 };

export interface HandWrittenResult {
  /** Records / (first batch in hand → last batch's INSERT committed), as vigie's rate is timed. */
  readonly perSecond: number;
  readonly seconds: number;
  readonly inserts: number;
  /** INSERT time over wall time: the share of the run PostgreSQL was writing (never above 1 here, one batch at a time). */
  readonly insertBusy: number;
  readonly meanRowsPerInsert: number;
  readonly meanInsertMs: number;
}

/** A fresh table shaped like `sensor_detections` (its columns, defaults and unique key). */
export async function createHandWrittenTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(`CREATE TABLE ${table} (LIKE sensor_detections INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
}

const INSERT = (table: string): string =>
  `INSERT INTO ${table} (topic, value, event_time, state, detector, score, fill, source, source_partition, source_offset) ` +
  'SELECT * FROM unnest($1::text[], $2::float8[], $3::timestamptz[], $4::int2[], $5::text[], $6::float8[], $7::float4[], $8::text[], $9::int4[], $10::int8[]) ' +
  'ON CONFLICT (source, source_partition, source_offset, detector) DO NOTHING';

/** Reads `expected` records of `topic` from the start in group `groupId` into `table`. */
export async function handWrittenPipeline(
  brokers: readonly string[],
  pool: pg.Pool,
  options: { topic: string; groupId: string; table: string; expected: number },
): Promise<HandWrittenResult> {
  const { topic, groupId, table, expected } = options;
  const sql = INSERT(table);
  const consumer = kafkaClient(brokers, 'vigie-bench-hand-written').consumer({ groupId, maxWaitTimeInMs: 1000 });
  const bar = progress('bench: hand-written kafkajs → pg pipeline', { total: expected });
  const windows = new Map<string, number[]>();
  let count = 0;
  let first = 0;
  let last = 0;
  const inserts = { count: 0, ms: 0 };
  let done: () => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => ((done = resolve), (failed = reject)));
  try {
    consumer.on(consumer.events.CRASH, ({ payload }) => failed(payload.error));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        first ||= performance.now();
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
          const full = window.length === WINDOW;
          const label = full ? dbscanLabel(window, DBSCAN) : undefined;
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
        inserts.count += 1;
        inserts.ms += performance.now() - started;
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary(uncommittedOffsets());
        count += batch.messages.length;
        bar.update(count);
        if (count >= expected) {
          last ||= performance.now();
          done();
        }
      },
    });
    await withTimeout(finished, 600_000, () => `the hand-written pipeline read ${count} of ${expected} records`);
    bar.finish();
  } finally {
    await consumer.disconnect();
  }
  const seconds = (last - first) / 1000;
  return {
    perSecond: expected / seconds,
    seconds,
    inserts: inserts.count,
    insertBusy: inserts.ms / 1000 / seconds,
    meanRowsPerInsert: expected / Math.max(1, inserts.count),
    meanInsertMs: inserts.ms / Math.max(1, inserts.count),
  };
}
