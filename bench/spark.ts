/**
 * `npm run bench -- spark` (issues 12, 21): the seed's own Spark job and `vigie detect transactions`
 * side by side, on one Kafka broker and one PostgreSQL (started here unless KAFKA_BROKERS /
 * DATABASE_URL name them), on the same records of the seed's generator (one partition). Spark
 * Structured Streaming runs `bench/spark/fraud_job.py` (pyspark 3.5.7 set up under `.vigie/spark/`
 * on first use); vigie runs with the seed's rule alone (`--rules amount`), alerts on and off, and
 * with its default rules, with no tuning flag. Beside them, on the backlog, the floor of that work
 * (`bench/spark/floor.ts`), alerts on and off: the best hand-written design of the same durable work.
 *
 * Each round runs every engine through the backlog (the records produced before it starts; time
 * to its last row committed from its launch and from its query's start, bench/spark/rates.ts), then on live traffic at each rate (producer
 * timestamp → row committed, p50/p99), the second round in the opposite order, so that neither
 * engine always runs on a machine warmed, or loaded, by the other. Every run checks rows missing and
 * doubled against the topic read back, and its process tree's peak resident memory and CPU time.
 *
 * BENCH_SPARK_RECORDS (default 1 000 000), BENCH_SPARK_SECONDS (each live rate, default 20; 0: no live runs),
 * BENCH_SPARK_ROUNDS (default 2), BENCH_SPARK_BACKLOG_TIMEOUT (s, default 300: an engine still
 * busy is stopped and its rate taken up to where it got), BENCH_SPARK_ENGINES (some of
 * bench/spark/engines.ts's ENGINES, comma-separated; all by default), BENCH_SPARK_BEFORE (a
 * built checkout of another commit, run as the before-* engines beside this one's).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { outcome } from './fraud/outcome.ts';
import { tracksCommitTimes } from './fraud/rows.ts';
import { readProduced, seedTransactionMessages } from './fraud/transactions.ts';
import { round } from './kafka/latencies.ts';
import { createTopic, produceBacklog } from './kafka/records.ts';
import { startServices } from './kafka/services.ts';
import type { Bench, BenchSection } from './section.ts';
import { type BacklogResult, backlogRun } from './spark/backlog.ts';
import { type Runs, comparison } from './spark/comparison.ts';
import { DEFAULT_ENGINES, ENGINES, ENGINE_LABELS, type Engine, LIVE_ENGINES } from './spark/engines.ts';
import { WARM_UP, liveRun, rateLabel } from './spark/live.ts';
import { type SparkInstall, ensureSpark } from './spark/setup.ts';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number, got ${process.env[name]}`);
  return value;
};
const RECORDS = positive('BENCH_SPARK_RECORDS', 1_000_000);
/** 0: the backlog only, no live runs. */
const SECONDS = Number(process.env['BENCH_SPARK_SECONDS'] ?? 20);
if (!(SECONDS >= 0)) throw new RangeError(`BENCH_SPARK_SECONDS must be a number >= 0, got ${process.env['BENCH_SPARK_SECONDS']}`);
const ROUNDS = positive('BENCH_SPARK_ROUNDS', 2);
/** BENCH_SPARK_ENGINES: some of them, comma-separated (all by default); the others show as not measured. */
const CHOSEN: readonly Engine[] = (() => {
  const given = process.env['BENCH_SPARK_ENGINES'];
  if (given === undefined) return DEFAULT_ENGINES;
  const names = given.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(ENGINES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new RangeError(`BENCH_SPARK_ENGINES: unknown ${unknown.join(', ')}; known: ${ENGINES.join(', ')}`);
  return ENGINES.filter((e) => names.includes(e));
})();
const BACKLOG_TIMEOUT_MS = positive('BENCH_SPARK_BACKLOG_TIMEOUT', 300) * 1000;
const RATES = [1_000, 5_000] as const;

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : 'n/a');
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const log = (line: string): void => console.error(line);

async function spark(): Promise<BenchSection> {
  const title = `Faster than the Spark job it replaces: the seed's job and vigie on ${fmt(RECORDS)} transactions`;
  const method =
    `The seed's Spark Structured Streaming job (bench/spark/fraud_job.py: local[2], readStream kafka from earliest → from_json → amount > 10 000 → foreachBatch JDBC append) ` +
    `and \`vigie detect transactions\` (\`--rules amount\`, the seed's rule alone, alerts on and off with \`--alerts-topic ''\`, then its default rules; no tuning flag), one at a time on the same broker, database and records ` +
    `(the seed's generator, one partition), ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}${ROUNDS > 1 ? ' in alternating order' : ''}. Backlog: ${fmt(RECORDS)} records produced first, timed to the engine's last row's commit ` +
    `from its query's start (Spark: its job printed that its query started, and reads the whole backlog as one micro-batch; the others: their consumer group is stable) and from its launch (a JVM's start-up included); ` +
    `× Spark compares runs of the same round. `+
    (SECONDS > 0
      ? `Live: a paced producer at ${RATES.map(rateLabel).join(' then ')} for ${SECONDS} s each after a 5 s warm-up whose rows it waits for, latency from the producer timestamp to the row's commit ` +
        `(pg_xact_commit_timestamp), pooled over the rounds. `
      : 'Live: not run (BENCH_SPARK_SECONDS=0). ') +
    `Memory and CPU: the engine's whole process tree from /proc every 200 ms. ` +
    `The floor (bench/spark/floor.ts, backlog only), alerts on and off: the seed rule's durable work as vigie must do it, exactly once, by the best hand-written design (kafkajs fetch; vigie's rows by COPY in one transaction per batch with a compare-and-set of the partition's next offset beside them, sought to on start, no ON CONFLICT; batch N+1 fetched and parsed while N is written; alerts through @platformatic/kafka, committed with the rows).`;
  const loadBefore = load();
  const failures: string[] = [];
  let install: SparkInstall;
  try {
    install = CHOSEN.includes('spark') ? await ensureSpark(log) : { description: 'not used', sparkSubmit: '', python: '', jars: [] };
  } catch (error) {
    return { title, method, figures: {}, failures: [`could not set the Spark job up: ${(error as Error).message}`] };
  }
  const services = await startServices(log, { track_commit_timestamp: 'on' });
  const runs = Object.fromEntries(ENGINES.map((e) => [e, { backlog: [], live: [], errors: [] } as Runs])) as Record<Engine, Runs>;
  try {
    if (!(await tracksCommitTimes(services.pool))) throw new Error('the database does not record commit times (track_commit_timestamp is off)');
    const base = `transaction-spark-bench-${randomBytes(3).toString('hex')}`;
    await createTopic(services.brokers, base);
    const next = seedTransactionMessages(1);
    await produceBacklog(services.brokers, base, RECORDS, () => next(Date.now()).value as string);
    const produced = await readProduced(services.brokers, base, RECORDS, 600_000);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? CHOSEN : [...CHOSEN].reverse();
      for (const engine of order) {
        await attempt(runs[engine], `backlog, round ${r + 1}`, async () => {
          const result = await backlogRun(engine, { services, spark: install, topic: base }, produced, BACKLOG_TIMEOUT_MS, r);
          log(`bench: ${ENGINE_LABELS[engine]}, backlog round ${r + 1}: ${backlogLine(result)}`);
          runs[engine].backlog.push(result);
        });
      }
      for (const engine of order.filter((e) => SECONDS > 0 && LIVE_ENGINES.includes(e))) {
        await attempt(runs[engine], `live, round ${r + 1}`, async () => {
          runs[engine].live.push(await liveRun(engine, { services, spark: install, topic: `${base}-live-${engine}-${r}` }, RATES, SECONDS, String(r)));
        });
      }
    }
  } catch (error) {
    failures.push(`the benchmark stopped: ${(error as Error).message}`);
  } finally {
    await services.stop();
  }
  const { table, targets, failures: missed } = comparison(runs, RATES, SECONDS > 0);
  failures.push(...missed);
  for (const engine of ENGINES) {
    for (const error of runs[engine].errors) failures.push(`${ENGINE_LABELS[engine]}: ${error}`);
    const stops = [...runs[engine].backlog.map((r, i) => [`backlog run ${i + 1}`, r] as const), ...runs[engine].live.map((r, i) => [`live run ${i + 1}`, r] as const)];
    for (const [which, { exitCode }] of stops) {
      // null: still running 30 s after Ctrl-C, killed.
      if (engine !== 'spark' && exitCode !== 0) failures.push(`${ENGINE_LABELS[engine]}, ${which}: ${exitCode === null ? 'still running 30 s after Ctrl-C, killed' : `exited with code ${exitCode} on Ctrl-C`}`);
    }
  }
  const figures: Record<string, number | string> = { 'Spark set-up': install.description, servers: services.description };
  for (const engine of ENGINES.filter((e) => runs[e].backlog.length + runs[e].live.length > 0)) {
    const b = runs[engine].backlog;
    figures[`${ENGINE_LABELS[engine]}: backlog runs`] = b.map(backlogLine).join('; ') || 'none';
    figures[`${ENGINE_LABELS[engine]}: CPU seconds per backlog run`] = b.map((x) => round(x.usage.cpuSeconds, 1)).join(', ') || 'none';
    // Each live run alone, to see whether the pooled percentiles hide one bad run.
    const live = runs[engine].live.map((l) => outcome(l.produced, l.seen, l.phases.filter((p) => p.label !== WARM_UP)));
    for (const rate of SECONDS > 0 ? RATES : []) {
      const label = rateLabel(rate);
      figures[`${ENGINE_LABELS[engine]}: ${label} runs, p50 / p99 ms`] = live.map((o) => `${fmt(o.latency.get(label)!.p50)} / ${fmt(o.latency.get(label)!.p99)}`).join(', ') || 'none';
    }
    if (runs[engine].live.length > 0) figures[`${ENGINE_LABELS[engine]}: load average (1 min) per live run, start → end`] = runs[engine].live.map((l) => `${l.load.start.toFixed(1)} → ${l.load.end.toFixed(1)}`).join(', ');
    figures[`${ENGINE_LABELS[engine]}: peak resident memory per run${SECONDS > 0 ? ' (backlog, then live)' : ''}, MB`] = [...b, ...runs[engine].live].map((x) => x.usage.peakRssMb).join(', ') || 'none';
  }
  figures['load average (1, 5, 15 min) before → after'] = `${loadBefore} → ${load()}, ${cpus().length} cores`;
  targets.forEach((t, i) => (figures[`target ${i + 1}`] = t));
  return { title, method, table, figures, failures };
}

/** One backlog run: its rates on both clocks, the seconds, the load as it started and ended, its memory. */
function backlogLine(x: BacklogResult): string {
  const { rates, seconds, load: l } = x;
  if (!Number.isFinite(seconds.fromLaunch)) return `no row written, stopped, load ${l.start.toFixed(1)} → ${l.end.toFixed(1)}, peak ${x.usage.peakRssMb} MB`;
  return (
    `${fmt(rates.fromQueryStart)} records/s from query start (${round(seconds.fromQueryStart, 1)} s), ${fmt(rates.fromLaunch)} from launch (${round(seconds.fromLaunch, 1)} s)` +
    `${x.complete ? '' : ', stopped'}, load ${l.start.toFixed(1)} → ${l.end.toFixed(1)}, peak ${x.usage.peakRssMb} MB`
  );
}

async function attempt(runs: Runs, what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const [first = '', ...rest] = (error as Error).message.split('\n');
    log(`bench: ${what} failed: ${(error as Error).message}`);
    // The reason, not a page of usage: the first line and whatever says error or invalid.
    runs.errors.push(`${what} failed: ${[first, ...rest.filter((l) => /error|invalid|expected/i.test(l))].join(' | ')}`);
  }
}

export const sparkBench: Bench = { name: 'spark', run: spark };
