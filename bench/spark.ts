/**
 * `npm run bench -- spark` (issue 12): the seed's own Spark job and `vigie detect transactions`
 * side by side, on one Kafka broker and one PostgreSQL started here, on the same records of the
 * seed's generator (one partition). Spark Structured Streaming runs `bench/spark/fraud_job.py`
 * (pyspark 3.5.7 set up under `.vigie/spark/` on first use); vigie runs with its default rules and
 * with the seed's rule alone (`--rules amount`), with no tuning flag. Beside them, on the backlog, the
 * floor of that work (`bench/spark/floor.ts`): vigie's rows and alerts written by the least code.
 *
 * Each round runs every engine through the backlog (the records produced before it starts; time
 * from its start to its last row committed), then on live traffic at each rate (producer
 * timestamp → row committed, p50/p99), the second round in the opposite order, so that neither
 * engine always runs on a machine warmed, or loaded, by the other. Every run checks rows missing and
 * doubled against the topic read back, and its process tree's peak resident memory and CPU time.
 *
 * BENCH_SPARK_RECORDS (default 1 000 000), BENCH_SPARK_SECONDS (each live rate, default 20; 0: no live runs),
 * BENCH_SPARK_ROUNDS (default 2), BENCH_SPARK_BACKLOG_TIMEOUT (s, default 300: an engine still
 * busy is stopped and its rate taken up to where it got), BENCH_SPARK_ENGINES (some of spark, vigie-default, vigie-seed,
 * floor; all by default).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { outcome } from './fraud/outcome.ts';
import { tracksCommitTimes } from './fraud/rows.ts';
import { type Produced, readProduced, seedTransactionMessages } from './fraud/transactions.ts';
import { round } from './kafka/latencies.ts';
import { createTopic, produceBacklog } from './kafka/records.ts';
import { startServices } from './kafka/services.ts';
import type { Bench, BenchSection } from './section.ts';
import { type BacklogResult, backlogRun } from './spark/backlog.ts';
import { ENGINES, ENGINE_LABELS, type Engine, LIVE_ENGINES } from './spark/engines.ts';
import { DRAIN_MS, type LiveResult, WARM_UP, liveRun, rateLabel } from './spark/live.ts';
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
  if (given === undefined) return ENGINES;
  const names = given.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(ENGINES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new RangeError(`BENCH_SPARK_ENGINES: unknown ${unknown.join(', ')}; known: ${ENGINES.join(', ')}`);
  return ENGINES.filter((e) => names.includes(e));
})();
const BACKLOG_TIMEOUT_MS = positive('BENCH_SPARK_BACKLOG_TIMEOUT', 300) * 1000;
const RATES = [1_000, 5_000] as const;
const TARGETS = { backlogTimesSpark: 2, p99AtMs: { rate: 5_000, ms: 50 }, rssFractionOfSpark: 0.5 };

const DRAIN_S = DRAIN_MS / 1000;
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const log = (line: string): void => console.error(line);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Runs {
  readonly backlog: BacklogResult[];
  readonly live: LiveResult[];
  readonly errors: string[];
}

async function spark(): Promise<BenchSection> {
  const title = `Faster than the Spark job it replaces: the seed's job and vigie on ${fmt(RECORDS)} transactions`;
  const method =
    `The seed's Spark Structured Streaming job (bench/spark/fraud_job.py: local[2], readStream kafka from earliest → from_json → amount > 10 000 → foreachBatch JDBC append) ` +
    `and \`vigie detect transactions\` (default rules, then \`--rules amount\`, the seed's rule alone; no tuning flag), one at a time on the same broker, database and records ` +
    `(the seed's generator, one partition), ${ROUNDS} rounds in alternating order. Backlog: ${fmt(RECORDS)} records produced first, timed from the engine's start to its last row's commit. ` +
    (SECONDS > 0
      ? `Live: a paced producer at ${RATES.map(rateLabel).join(' then ')} for ${SECONDS} s each after a 5 s warm-up whose rows it waits for, latency from the producer timestamp to the row's commit ` +
        `(pg_xact_commit_timestamp), pooled over the rounds. `
      : 'Live: not run (BENCH_SPARK_SECONDS=0). ') +
    `Memory and CPU: the engine's whole process tree from /proc every 200 ms. ` +
    `The floor (bench/spark/floor.ts, backlog only): the seed rule's durable work as vigie must do it (vigie's rows with their unique key, its alerts, offsets committed after both), hand-written with the same clients and nothing else: what that work costs on this machine.`;
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
          const result = await backlogRun(engine, { services, spark: install, topic: base }, produced, BACKLOG_TIMEOUT_MS);
          log(`bench: ${ENGINE_LABELS[engine]}, backlog round ${r + 1}: ${fmt(result.recordsPerSecond)} records/s${result.complete ? '' : ' (stopped)'}, peak ${result.usage.peakRssMb} MB`);
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
  const { table, failures: missed } = comparison(runs);
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
  for (const engine of ENGINES) {
    const b = runs[engine].backlog;
    figures[`${ENGINE_LABELS[engine]}: backlog runs, records/s (seconds)`] = b.map((x) => `${fmt(x.recordsPerSecond)} (${round(x.seconds, 1)} s${x.complete ? '' : ', stopped'})`).join(', ') || 'none';
    figures[`${ENGINE_LABELS[engine]}: CPU seconds per backlog run`] = b.map((x) => round(x.usage.cpuSeconds, 1)).join(', ') || 'none';
    // Each live run alone, to see whether the pooled percentiles hide one bad run.
    const live = runs[engine].live.map((l) => outcome(l.produced, l.seen, l.phases.filter((p) => p.label !== WARM_UP)));
    for (const rate of RATES) {
      const label = rateLabel(rate);
      figures[`${ENGINE_LABELS[engine]}: ${label} runs, p50 / p99 ms`] = live.map((o) => `${fmt(o.latency.get(label)!.p50)} / ${fmt(o.latency.get(label)!.p99)}`).join(', ') || 'none';
    }
    figures[`${ENGINE_LABELS[engine]}: peak resident memory per run (backlog, then live), MB`] = [...b, ...runs[engine].live].map((x) => x.usage.peakRssMb).join(', ') || 'none';
  }
  figures['load average (1, 5, 15 min) before → after'] = `${loadBefore} → ${load()}, ${cpus().length} cores`;
  return { title, method, table, figures, failures };
}

async function attempt(runs: Runs, what: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const [first = '', ...rest] = (error as Error).message.split('\n');
    log(`bench: ${what} failed: ${(error as Error).message}`);
    // The reason, not a page of usage: the first line and whatever says error.
    runs.errors.push(`${what} failed: ${[first, ...rest.filter((l) => /error/i.test(l))].join(' | ')}`);
  }
}

/** The issue's table, with vigie's ratios to Spark, and the targets vigie missed. */
function comparison(runs: Record<Engine, Runs>): { table: NonNullable<BenchSection['table']>; failures: string[] } {
  const failures: string[] = [];
  const backlogRate = (e: Engine): number => mean(runs[e].backlog.map((b) => b.recordsPerSecond));
  const pooled = (e: Engine): ReturnType<typeof outcome> | undefined => {
    const live = runs[e].live;
    if (live.length === 0) return undefined;
    const produced = new Map<string, Produced>(live.flatMap((l) => [...l.produced]));
    const seen = new Map<string, number[]>(live.flatMap((l) => [...l.seen]));
    return outcome(produced, seen, live.flatMap((l) => l.phases.filter((p) => p.label !== WARM_UP)));
  };
  const live = Object.fromEntries(ENGINES.map((e) => [e, pooled(e)])) as Record<Engine, ReturnType<typeof pooled>>;
  const peak = (e: Engine): number => Math.max(0, ...[...runs[e].backlog, ...runs[e].live].map((r) => r.usage.peakRssMb));
  const ratio = (e: Engine, value: number, spark: number): string => (e === 'spark' || !(spark > 0) || !Number.isFinite(value) ? '' : ` (${(value / spark).toFixed(2)} × Spark)`);

  const row = (name: string, cell: (e: Engine) => string): string[] => [name, ...ENGINES.map(cell)];
  const rows = [
    row(`${fmt(RECORDS)} backlog, records/s, start to last row`, (e) => {
      const b = runs[e].backlog;
      if (b.length === 0) return 'not measured';
      const stopped = b.some((x) => !x.complete) ? ` (stopped after ${BACKLOG_TIMEOUT_MS / 1000} s)` : '';
      return `${fmt(backlogRate(e))}${stopped}${ratio(e, backlogRate(e), backlogRate('spark'))}`;
    }),
    ...RATES.map((rate) =>
      row(`${rateLabel(rate)}, p50 / p99 (producer timestamp → row committed)`, (e) => {
        const s = live[e]?.latency.get(rateLabel(rate));
        if (!s || s.count === 0) return 'not measured';
        const spark = live.spark?.latency.get(rateLabel(rate));
        return `${fmt(s.p50)} / ${fmt(s.p99)} ms${ratio(e, s.p99, spark?.p99 ?? Number.NaN)}`;
      }),
    ),
    row('peak resident memory (process tree)', (e) => (peak(e) > 0 ? `${fmt(peak(e))} MB${ratio(e, peak(e), peak('spark'))}` : 'not measured')),
    row('rows missing / doubled', (e) => {
      const b = runs[e].backlog;
      const l = live[e];
      if (b.length === 0 && !l) return 'not measured';
      const missing = b.reduce((n, x) => n + x.missing, 0) + (l?.missing ?? 0);
      const doubled = b.reduce((n, x) => n + x.doubled, 0) + (l?.doubled ?? 0);
      const other = b.reduce((n, x) => n + x.unexpected, 0) + (l?.unexpected ?? 0);
      const behind = runs[e].live.some((x) => !x.caughtUp) ? `, a live run fell behind (rows not written ${DRAIN_S} s after the producer count as missing)` : '';
      return `${fmt(missing)} / ${fmt(doubled)}${other > 0 ? ` (+ ${fmt(other)} rows of ≤ 10 000 XAF by other rules)` : ''}${behind}`;
    }),
    row('backlog records/s against the floor of the same work', (e) =>
      e === 'spark' || e === 'vigie-default' || runs[e].backlog.length === 0 || runs.floor.backlog.length === 0
        ? ''
        : `${(backlogRate(e) / backlogRate('floor')).toFixed(2)} × floor`,
    ),
    row('CPU seconds per backlog run (process tree)', (e) => {
      const b = runs[e].backlog;
      return b.length === 0 ? 'not measured' : `${round(mean(b.map((x) => x.usage.cpuSeconds)), 1)} s`;
    }),
  ];

  for (const e of ENGINES.filter((x) => x !== 'spark' && x !== 'floor')) {
    const label = ENGINE_LABELS[e];
    if (runs[e].backlog.length > 0 && runs.spark.backlog.length > 0 && !(backlogRate(e) >= TARGETS.backlogTimesSpark * backlogRate('spark'))) {
      failures.push(`${label}: backlog ${fmt(backlogRate(e))} records/s, not ≥ ${TARGETS.backlogTimesSpark} × Spark's ${fmt(backlogRate('spark'))}`);
    }
    const p99 = live[e]?.latency.get(rateLabel(TARGETS.p99AtMs.rate))?.p99;
    if (p99 !== undefined && !(p99 <= TARGETS.p99AtMs.ms)) failures.push(`${label}: p99 at ${rateLabel(TARGETS.p99AtMs.rate)} is ${fmt(p99)} ms, not ≤ ${TARGETS.p99AtMs.ms} ms`);
    if (peak(e) > 0 && peak('spark') > 0 && !(peak(e) <= TARGETS.rssFractionOfSpark * peak('spark'))) {
      failures.push(`${label}: peak resident memory ${fmt(peak(e))} MB, not ≤ half of Spark's ${fmt(peak('spark'))} MB`);
    }
    const missing = runs[e].backlog.reduce((n, x) => n + x.missing, 0) + (live[e]?.missing ?? 0);
    const doubled = runs[e].backlog.reduce((n, x) => n + x.doubled, 0) + (live[e]?.doubled ?? 0);
    if (missing + doubled > 0) failures.push(`${label}: ${fmt(missing)} rows missing, ${fmt(doubled)} doubled`);
  }
  return { table: { header: ['figure', ...ENGINES.map((e) => ENGINE_LABELS[e])], rows }, failures };
}

export const sparkBench: Bench = { name: 'spark', run: spark };
