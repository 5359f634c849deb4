/**
 * Kafka → vigie's acknowledged sensor flow → PostgreSQL, end to end on a real broker and a real
 * database (started here unless `KAFKA_BROKERS` / `DATABASE_URL` name them), in one run:
 *
 * 1. a backlog of `BENCH_KAFKA_RECORDS` (200 000) records in the bridge's format, read by the
 *    consumer a user would write by hand (kafkajs `eachBatch` → DBSCAN → one INSERT per batch →
 *    commit: the same durable work, see kafka/handWritten.ts) and by the flow of
 *    `vigie detect sensors`, each in a fresh group and table, in `BENCH_KAFKA_ROUNDS` (2) rounds
 *    that flip which goes first: vigie's rate must be ≥ 70% of the hand-written pipeline's. A bare
 *    kafkajs read (counting only) shows Kafka's own share;
 * 2. live topics fed at 1 000, 5 000 and 20 000 records/s for `BENCH_KAFKA_SECONDS` (10) each:
 *    every record's latency from its send to its row's INSERT committed, p99 ≤ 50 ms at 5 000/s;
 *    the hand-written pipeline at 5 000/s right after, as a reference taken at the same moment.
 *
 * Every phase counts its rows in PostgreSQL and reads its group's committed offset back before
 * any of its figures is reported.
 */
import { defaultPostgresBatch } from '../src/adapters/postgres/toPostgres.ts';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { compareOnBacklog } from './kafka/backlog.ts';
import type { FlowTuning } from './kafka/flow.ts';
import { handWrittenLive } from './kafka/handWrittenPhases.ts';
import { pair, round } from './kafka/latencies.ts';
import { type LiveResult, type PhaseContext, live, maxThroughput } from './kafka/phases.ts';
import { rawConsumeRate } from './kafka/rawConsume.ts';
import { deleteRows, deleteTopics } from './kafka/records.ts';
import { startServices } from './kafka/services.ts';
import type { Bench } from './section.ts';

const RECORDS = Number(process.env['BENCH_KAFKA_RECORDS'] ?? 200_000);
/** Backlog rounds, each flipping which of the two pipelines goes first. */
const ROUNDS = Number(process.env['BENCH_KAFKA_ROUNDS'] ?? 2);
const SECONDS = Number(process.env['BENCH_KAFKA_SECONDS'] ?? 10);
const RATES = [1_000, 5_000, 20_000] as const;
/** The fraction of the hand-written pipeline's rate the flow must sustain. */
const MIN_SHARE = 0.7;
/** The p99 latency the flow must keep at 5 000 records/s. */
const MAX_P99_MS = 50;

/**
 * One setting for every phase, backlog and live alike: a deployment cannot retune between a
 * catch-up and live traffic. toPostgres's defaults (group commit: up to 5 000 rows an INSERT,
 * each holding what arrived during the previous one; 5 ms of linger when idle), and maxInFlight
 * (`vigie detect --max-in-flight`) well above rate × latency, so that fetching never pauses for
 * want of acknowledgements at the offered rates.
 */
const TUNING: FlowTuning = { maxInFlight: 10_000, pgBatch: defaultPostgresBatch };
/** How long the paced producer lets a batch wait for more records (Kafka's `linger.ms`). */
const PRODUCER_LINGER_MS = 2;

const fmt = (n: number): string => n.toLocaleString('en');
/** Others' work on the machine shows in the figures: the 1-minute load average says how much. */
const load = (): string => loadavg()[0]!.toFixed(1);

async function kafkaEndToEnd(): Promise<{ figures: Record<string, number | string>; failures: string[]; where: string }> {
  const log = (line: string): void => console.error(line);
  if (!(Number.isInteger(RECORDS) && RECORDS > 0)) throw new RangeError(`BENCH_KAFKA_RECORDS must be a positive integer, got ${RECORDS}`);
  if (!(Number.isInteger(ROUNDS) && ROUNDS > 0)) throw new RangeError(`BENCH_KAFKA_ROUNDS must be a positive integer, got ${ROUNDS}`);
  if (!(SECONDS > 0)) throw new RangeError(`BENCH_KAFKA_SECONDS must be a positive number, got ${SECONDS}`);
  const services = await startServices(log);
  const prefix = `humidite-bench-${randomBytes(3).toString('hex')}`;
  const topics: string[] = [];
  const tables: string[] = [];
  const figures: Record<string, number | string> = {};
  const failures: string[] = [];
  const context: PhaseContext = { brokers: services.brokers, pool: services.pool, tuning: TUNING, log };
  const loadBefore = load();
  try {
    try {
      const comparison = await compareOnBacklog(context, { prefix, records: RECORDS, rounds: ROUNDS, minShare: MIN_SHARE }, { topics, tables });
      Object.assign(figures, comparison.figures);
      failures.push(...comparison.failures);
      // Diagnostics, no target, on the first round's backlog: Kafka's own share, and the flow when writing costs nothing.
      const backlog = topics[0]!;
      const raw = await rawConsumeRate(services.brokers, backlog, `${backlog}-raw`, RECORDS);
      figures['diagnostic: bare kafkajs read, counting only (records/s)'] = Math.round(raw.perSecond);
      const nowhere = await maxThroughput(context, backlog, RECORDS, false);
      figures['diagnostic: the same flow, sinks writing nothing (records/s)'] = nowhere.lost ? `not reported: ${nowhere.lost}` : Math.round(nowhere.perSecond);
    } catch (error) {
      failures.push(`the backlog phase failed: ${(error as Error).message}`);
    }
    for (const rate of RATES) {
      const topic = `${prefix}-live-${rate}`;
      topics.push(topic);
      const label = `${fmt(rate)}/s`;
      try {
        const loadAtStart = load();
        const result = await live(context, topic, rate, SECONDS, PRODUCER_LINGER_MS);
        figures[`${label}: rows checked`] = result.rows;
        figures[`${label}: load average (1 min) at start → end`] = `${loadAtStart} → ${load()}`;
        if (result.lost) {
          failures.push(`records lost at ${label} (${result.lost}): no figures reported`);
          continue;
        }
        Object.assign(figures, liveFigures(label, result));
        if (rate === 5_000 && result.latency.p99 > MAX_P99_MS) {
          failures.push(`p99 latency at 5 000 records/s is ${round(result.latency.p99, 0)} ms, not ≤ ${MAX_P99_MS} ms`);
        }
        if (rate === 5_000) Object.assign(figures, await handWrittenReference(context, { topic: `${topic}-hand`, table: `hand_written_${prefix.slice(-6)}_live` }, { topics, tables }));
      } catch (error) {
        failures.push(`the ${label} phase failed: ${(error as Error).message}`);
      }
    }
    figures['load average (1 min) at start → end, cores'] = `${loadBefore} → ${load()}, ${cpus().length} cores`;
  } finally {
    // On someone else's servers, leave nothing behind; our own go away whole.
    if (!services.embedded.postgres) await deleteRows(services.pool, topics, tables).catch((error: Error) => log(`bench: could not delete the rows: ${error.message}`));
    if (!services.embedded.kafka) await deleteTopics(services.brokers, topics).catch((error: Error) => log(`bench: could not delete the topics: ${error.message}`));
    await services.stop();
  }
  return { figures, failures, where: services.description };
}

/**
 * No target: the hand-written pipeline at 5 000/s right after vigie, for what the machine alone
 * (broker, database, scheduling, other work) does to a record's latency at that moment.
 */
async function handWrittenReference(
  context: PhaseContext,
  where: { topic: string; table: string },
  created: { topics: string[]; tables: string[] },
): Promise<Record<string, number | string>> {
  created.topics.push(where.topic);
  created.tables.push(where.table);
  const label = '5,000/s, hand-written pipeline (reference)';
  try {
    const hand = await handWrittenLive(context, where.topic, where.table, 5_000, SECONDS, PRODUCER_LINGER_MS);
    if (hand.lost) return { [label]: `not reported: records lost (${hand.lost})` };
    const { p50, p99, max } = hand.latency;
    return { [`${label}: latency p50/p99/max (ms)`]: `${round(p50, 0)} / ${round(p99, 0)} / ${round(max, 0)} (${Math.round(hand.meanRowsPerInsert)} rows an INSERT)` };
  } catch (error) {
    return { [label]: `failed: ${(error as Error).message}` };
  }
}

function liveFigures(label: string, r: LiveResult): Record<string, number | string> {
  return {
    [`${label}: achieved (records/s)`]: Math.round(r.achieved),
    [`${label}: latency p50 (ms)`]: round(r.latency.p50, 0),
    [`${label}: latency p99 (ms)`]: round(r.latency.p99, 0),
    [`${label}: latency max (ms)`]: round(r.latency.max, 0),
    [`${label}: from the time due at the producer, p50/p99/max (ms)`]: `${round(r.latencyFromDue.p50, 0)} / ${round(r.latencyFromDue.p99, 0)} / ${round(r.latencyFromDue.max, 0)}`,
    [`${label}: where the time goes, p50/p99 ms`]: breakdown(r),
  };
}

function breakdown(r: LiveResult): string {
  const { produce, fetch, detect, queue, insert } = r.stages;
  return (
    `produce ${pair(produce)}, fetch ${pair(fetch)}, detect ${pair(detect)}, wait for INSERT ${pair(queue)}, ` +
    `INSERT ${pair(insert)} (${Math.round(r.meanRowsPerInsert)} rows each); flow's event-loop delay p99 ${round(r.eventLoopP99)}`
  );
}

export const kafkaEndToEndBench: Bench = {
  name: 'kafka',
  async run() {
    const { figures, failures, where } = await kafkaEndToEnd();
    return {
      title: 'Kafka → vigie → PostgreSQL, end to end',
      method:
        `On ${where} (on this machine, started by the benchmark unless given; other work on the machine shows in the load average). ` +
        `Baseline: the consumer a user would write by hand for the same durable work (kafkajs eachBatch with fromKafka's fetch settings → parse each value → ` +
        "the last 21 values per topic, state -2 while filling → vigie's own dbscanLabel → ONE multi-row unnest INSERT per batch into a fresh table shaped like sensor_detections, " +
        `same unique key and ON CONFLICT DO NOTHING → resolveOffset and commit; one batch at a time) reads a backlog of ${fmt(RECORDS)} records ` +
        "in the bridge's format (a value as UTF-8 text on a topic named like the sensor). " +
        'Then the same backlog, in a fresh group, through the flow of `vigie detect sensors` (fromKafka → acknowledgedSensors → toPostgres, offsets committed after the rows), ' +
        'with DBSCAN only (no IsolationForest, so the pipeline is measured, not the forest), without the log files and dashboard. ' +
        `Both rates = records / (first record in hand → last row committed); ${ROUNDS} rounds, each on a backlog of its own, flipping which goes first; the target is on records / seconds over all rounds. ` +
        'Diagnostics, no target: a bare kafkajs read counting only (its rate leaves out the first fetch), and vigie with sinks that write nothing. ' +
        `Live: a producer in a child process offers ${RATES.map(fmt).join(', ')} records/s for ${SECONDS} s each to a fresh topic the flow already reads ` +
        "(and 5,000/s once more to the hand-written pipeline, right after vigie's run at that rate: no target, what the machine alone does to latency at that moment); " +
        "a record's latency = the moment toPostgres reports its row's INSERT committed − its producer timestamp (the moment the producer sent it, in a header); " +
        'also shown from the moment it was due at the producer (a stricter clock: it counts a producer that fell behind, waiting for the previous acknowledgement). ' +
        "The record's own timestamp is the broker's append time, which splits the latency into stages; exact percentiles over every record, 1 ms clock. " +
        `Tuning, the same for every phase: fromKafka maxInFlight ${fmt(TUNING.maxInFlight)} (lowWater ${fmt(TUNING.maxInFlight / 2)}), maxWaitTimeInMs 1000 (fixed in fromKafka, ` +
        `and no latency factor: a fetch returns as soon as a record is there); toPostgres's group commit (at most ${fmt(TUNING.pgBatch.size)} rows an INSERT, ${TUNING.pgBatch.lingerMs} ms of linger when idle, ${TUNING.pgBatch.concurrency} INSERTs at once); ` +
        `producer: vigie's (idempotent, one request in flight, acks all), linger ${PRODUCER_LINGER_MS} ms. ` +
        'Rows in sensor_detections and the committed offset are checked against the records produced before any figure of a phase is reported.',
      figures,
      failures,
    };
  },
};
