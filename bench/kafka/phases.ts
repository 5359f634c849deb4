/**
 * The two measurements of the Kafka benchmark, each on its own topic and consumer group so that
 * its rows and its committed offsets can be checked alone: the backlog read as fast as the flow
 * goes, and a live topic fed at a fixed rate, where each record's latency is timed stage by stage.
 * Neither reports a figure before the rows are counted in PostgreSQL and the group's committed
 * offset is read back from Kafka: throughput of lost records is not throughput.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';
import { progress } from '../../src/cli/progress.ts';
import { type FlowTuning, startFlow } from './flow.ts';
import { Samples, type Summary } from './latencies.ts';
import { producePaced } from './pacedProducer.ts';
import { withTimeout } from './rawConsume.ts';
import { PRODUCED_AT, SENT_AT, committedOffset, countRows, createTopic, waitForGroup } from './records.ts';

export interface PhaseContext {
  readonly brokers: string[];
  readonly pool: pg.Pool;
  readonly tuning: FlowTuning;
  readonly log: (line: string) => void;
}

/** Rows and committed offset found afterwards; `lost` says what is wrong when they differ. */
export interface Checked {
  readonly rows: number;
  readonly committed: number;
  readonly lost?: string;
}

/** `table`: where the rows are, or false when the sinks wrote nothing (the diagnostic). */
export async function check(context: PhaseContext, topic: string, groupId: string, expected: number, table: string | false = 'sensor_detections'): Promise<Checked> {
  const rows = table ? await countRows(context.pool, topic, table) : expected;
  const committed = await committedOffset(context.brokers, groupId, topic);
  const wrong = [
    rows !== expected ? `${rows} rows in ${table} for ${expected} records` : '',
    committed !== expected ? `offset ${committed} committed after ${expected} records` : '',
  ].filter(Boolean);
  return { rows, committed, ...(wrong.length > 0 ? { lost: `${topic}: ${wrong.join(', ')}` } : {}) };
}

export interface MaxResult extends Checked {
  readonly perSecond: number;
  readonly seconds: number;
  /** INSERT time over wall time: how many INSERTs ran at once on average; near the sink's concurrency, PostgreSQL sets the pace. */
  readonly insertBusy: number;
  readonly meanRowsPerInsert: number;
  readonly meanInsertMs: number;
}

/**
 * The backlog through the flow: records / (first record emitted → last row committed).
 * `database: false` is the diagnostic: the same flow with sinks that write nothing (see `flow.ts`),
 * each run in a group of its own.
 */
export async function maxThroughput(context: PhaseContext, topic: string, expected: number, database = true): Promise<MaxResult> {
  const groupId = `${topic}-vigie${database ? '' : '-nowhere'}`;
  const bar = progress(`bench: vigie, acknowledged flow${database ? '' : ', no database'}`, { total: expected });
  let first = 0;
  let last = 0;
  const inserts = { count: 0, rows: 0, ms: 0 };
  const flow = startFlow(
    { ...context, topic, groupId, database },
    {
      onRecord: () => (first ||= performance.now()),
      onInsert: (ms, rows) => {
        inserts.count += 1;
        inserts.rows += rows;
        inserts.ms += ms;
      },
      onRows: () => {
        bar.update(flow.rows());
        if (flow.rows() >= expected) last ||= performance.now();
      },
    },
  );
  try {
    await withTimeout(flow.rowsReached(expected), 600_000, () => `vigie wrote ${flow.rows()} of ${expected} rows`);
    bar.finish();
  } finally {
    await flow.stop();
  }
  const seconds = (last - first) / 1000;
  return {
    perSecond: expected / seconds,
    seconds,
    insertBusy: inserts.ms / 1000 / seconds,
    meanRowsPerInsert: inserts.rows / Math.max(1, inserts.count),
    meanInsertMs: inserts.ms / Math.max(1, inserts.count),
    ...(await check(context, topic, groupId, expected, database && 'sensor_detections')),
  };
}

export interface LiveResult extends Checked {
  readonly offered: number;
  readonly produced: number;
  /** Records / (first record produced → last row committed). */
  readonly achieved: number;
  /** Producer timestamp (the moment the producer sent it) → row committed. */
  readonly latency: Summary;
  /** The moment the record was due at the producer → row committed: also counts a producer that fell behind. */
  readonly latencyFromDue: Summary;
  /** Where the time goes: each stage of every record (see {@link live}). */
  readonly stages: { produce: Summary; fetch: Summary; detect: Summary; queue: Summary; insert: Summary };
  readonly meanRowsPerInsert: number;
  /** The flow's event loop, sampled every ms: how long a tick kept everything else waiting. */
  readonly eventLoopP99: number;
}

/**
 * A live topic at `rate` records/s for `seconds`. The topic stamps records with the broker's
 * append time, the producer's time travels in a header: the record's latency (committed − sent)
 * then splits into produce (sent → appended), fetch (appended → emitted by `fromKafka`), detect
 * (→ DBSCAN's detection), queue (→ its INSERT sent: the batch's linger, and the INSERTs ahead of
 * it) and insert (→ that INSERT committed).
 */
export async function live(context: PhaseContext, topic: string, rate: number, seconds: number, producerLingerMs: number): Promise<LiveResult> {
  const groupId = `${topic}-vigie`;
  await createTopic(context.brokers, topic, true);
  const total = Math.round(rate * seconds);
  const sentAt = new Float64Array(total);
  const producedAt = new Float64Array(total);
  const emittedAt = new Float64Array(total);
  const detectedAt = new Float64Array(total);
  const insertedAt = new Float64Array(total);
  const latency = new Samples();
  const latencyFromDue = new Samples();
  const stages = { produce: new Samples(), fetch: new Samples(), detect: new Samples(), queue: new Samples(), insert: new Samples() };
  const inserts = { count: 0, rows: 0 };
  let lastCommitted = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const flow = startFlow(
    { ...context, topic, groupId },
    {
      onRecord: (record) => {
        const now = Date.now();
        const sent = Number(record.headers[SENT_AT]);
        sentAt[record.offset] = sent;
        producedAt[record.offset] = Number(record.headers[PRODUCED_AT]);
        emittedAt[record.offset] = now;
        stages.produce.add(record.timestamp - sent);
        stages.fetch.add(now - record.timestamp);
      },
      onDetection: (detection) => {
        const now = Date.now();
        detectedAt[detection.ref.offset] = now;
        stages.detect.add(now - emittedAt[detection.ref.offset]!);
      },
      onRows: ({ items }) => {
        const now = Date.now();
        lastCommitted = now;
        for (const { ref } of items) {
          latency.add(now - producedAt[ref.offset]!);
          latencyFromDue.add(now - sentAt[ref.offset]!);
          stages.insert.add(now - insertedAt[ref.offset]!);
        }
      },
      onInsertStart: (offsets) => {
        const now = Date.now();
        for (const offset of offsets) {
          insertedAt[offset] = now;
          stages.queue.add(now - detectedAt[offset]!);
        }
      },
      onInsert: (_, rows) => {
        inserts.count += 1;
        inserts.rows += rows;
      },
    },
  );
  let produced = 0;
  let firstSent = 0;
  try {
    await waitForGroup(context.brokers, groupId);
    loop.enable();
    const bar = progress(`bench: ${rate} records/s for ${seconds} s`, { total });
    const paced = await producePaced({ brokers: context.brokers, topic, rate, seconds, lingerMs: producerLingerMs }, (sent) => bar.update(sent));
    bar.update(paced.sent);
    bar.finish();
    produced = paced.sent;
    firstSent = paced.firstMs;
    await withTimeout(flow.rowsReached(produced), 120_000, () => `vigie wrote ${flow.rows()} of ${produced} rows`);
  } finally {
    loop.disable();
    await flow.stop();
  }
  const summaries = Object.fromEntries(Object.entries(stages).map(([name, s]) => [name, s.summary()])) as LiveResult['stages'];
  return {
    offered: rate,
    produced,
    achieved: produced / ((lastCommitted - firstSent) / 1000),
    latency: latency.summary(),
    latencyFromDue: latencyFromDue.summary(),
    stages: summaries,
    meanRowsPerInsert: inserts.rows / Math.max(1, inserts.count),
    eventLoopP99: loop.percentile(99) / 1e6,
    ...(await check(context, topic, groupId, produced)),
  };
}
