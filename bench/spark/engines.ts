/**
 * The engines `npm run bench -- spark` compares, each started on a topic as a user would start
 * it, in a process group of its own, and each writing to a table of its own so that runs do not
 * see each other's rows: the seed's Spark job (a fresh table and checkpoint per run);
 * `vigie detect transactions` with the seed's rule alone (`--rules amount`), alerts on and off
 * (`--alerts-topic ''`: the seed's job sent none), and with its default rules, a fresh consumer
 * group, state and data directory per run, its rows of the topic deleted before it starts; and the
 * floor (bench/spark/floor.ts), alerts on and off.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Cli, startCli, startProcess } from '../fraud/cli.ts';
import { byCoordinates, commitTimes, deleteSuspicious } from '../fraud/rows.ts';
import { LIMIT_XAF } from '../fraud/transactions.ts';
import { committedOffset, waitForGroup } from '../kafka/records.ts';
import type { BenchServices } from '../kafka/services.ts';
import { FLOOR_OFFSETS } from './floorRows.ts';
import type { SparkInstall } from './setup.ts';

export const ENGINES = ['spark', 'vigie-seed', 'vigie-seed-no-alerts', 'vigie-default', 'floor', 'floor-no-alerts', 'before-seed', 'before-seed-no-alerts'] as const;
export type Engine = (typeof ENGINES)[number];
export const ENGINE_LABELS: Readonly<Record<Engine, string>> = {
  spark: 'Spark (seed job, local[2])',
  'vigie-seed': 'vigie seed rules (--rules amount), alerts on',
  'vigie-seed-no-alerts': "vigie seed rules, alerts off (--alerts-topic '')",
  'vigie-default': 'vigie default rules, alerts on',
  floor: 'floor (floor.ts), alerts on',
  'floor-no-alerts': 'floor, alerts off',
  'before-seed': 'BENCH_SPARK_BEFORE\'s vigie, seed rules, alerts on',
  'before-seed-no-alerts': 'BENCH_SPARK_BEFORE\'s vigie, seed rules, alerts off',
};
/**
 * BENCH_SPARK_BEFORE: another checkout of vigie, built (`npm run build` there), run as the
 * `before-*` engines beside this one's in the same rounds: a change measured against the code
 * before it on the same machine and load, as a ratio. Without it those engines do not run.
 */
export const BEFORE = process.env['BENCH_SPARK_BEFORE'];
/** The engines that run when BENCH_SPARK_ENGINES does not choose: the `before-*` ones only with BENCH_SPARK_BEFORE. */
export const DEFAULT_ENGINES: readonly Engine[] = ENGINES.filter((e) => BEFORE !== undefined || !e.startsWith('before-'));
/** The floor's engines: what vigie's seed-rule engine of the same alerts setting is compared with. */
export const FLOOR_OF: Partial<Record<Engine, Engine>> = { 'vigie-seed': 'floor', 'vigie-seed-no-alerts': 'floor-no-alerts' };
/** The engines measured live too: the floor is a measure of the backlog's work only. */
export const LIVE_ENGINES: readonly Engine[] = ['spark', 'vigie-default', 'vigie-seed'];

const FLOOR = path.join(path.dirname(new URL(import.meta.url).pathname), 'floor.ts');

const JOB = path.join(path.dirname(new URL(import.meta.url).pathname), 'fraud_job.py');

export interface EngineRun {
  readonly process: Cli;
  /** Wall-clock ms the process was started: a backlog's clock starts here, JVM start-up included. */
  readonly startedAt: number;
  /** Resolves once it reads the topic (Spark's query started, vigie's group stable). */
  ready(): Promise<void>;
  /** Rows of records above the limit written so far. */
  suspiciousRows(): Promise<number>;
  /** Whether it has done all its work on `records` records, `suspicious` of them above the limit. */
  done(records: number, suspicious: number): Promise<boolean>;
  /** `<partition>/<offset>` → commit times (epoch ms) of the rows written for that record. */
  rows(): Promise<Map<string, number[]>>;
  /** Stops it (Ctrl-C to its group); resolves with its exit code. */
  stop(): Promise<number | null>;
  /** Removes its rows, table and directories. */
  cleanup(): Promise<void>;
}

export interface EngineContext {
  readonly services: BenchServices;
  readonly spark: SparkInstall;
  readonly topic: string;
}

export function startEngine(engine: Engine, context: EngineContext): Promise<EngineRun> {
  switch (engine) {
    case 'spark':
      return startSpark(context);
    case 'vigie-seed':
      return startVigie(context, ['--rules', 'amount']);
    case 'vigie-seed-no-alerts':
      return startVigie(context, ['--rules', 'amount', '--alerts-topic', '']);
    case 'vigie-default':
      return startVigie(context, []);
    case 'floor':
      return startFloor(context, true);
    case 'floor-no-alerts':
      return startFloor(context, false);
    case 'before-seed':
      return startVigie(context, ['--rules', 'amount'], before());
    case 'before-seed-no-alerts':
      return startVigie(context, ['--rules', 'amount', '--alerts-topic', ''], before());
  }
}

async function startSpark({ services, spark, topic }: EngineContext): Promise<EngineRun> {
  const table = `spark_suspicious_${randomBytes(4).toString('hex')}`;
  const pool = services.pool;
  // The seed's fields, then where each record came from: the table Spark appends to.
  await pool.query(`CREATE TABLE ${table} (id int, transaction_id int, amount double precision, currency text, tx_timestamp text,
    kafka_topic text, kafka_partition int, kafka_offset bigint, kafka_timestamp timestamptz)`);
  const checkpoint = await mkdtemp(path.join(tmpdir(), 'vigie-bench-spark-checkpoint-'));
  const startedAt = Date.now();
  const child = startProcess(
    'the Spark job',
    spark.sparkSubmit,
    ['--master', 'local[2]', '--jars', spark.jars.join(','), JOB, services.brokers.join(','), topic, table, checkpoint],
    { ...process.env, PYSPARK_PYTHON: spark.python, PYSPARK_DRIVER_PYTHON: spark.python, VIGIE_BENCH_DATABASE_URL: services.databaseUrl },
  );
  const count = async (): Promise<number> => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  return {
    process: child,
    startedAt,
    ready: () => Promise.race([child.printed(/vigie-bench: query started/), child.died]),
    suspiciousRows: count,
    done: async (_records, suspicious) => (await count()) >= suspicious,
    async rows() {
      const { rows } = await pool.query<{ p: number; o: string; committed: number }>(
        `SELECT kafka_partition AS p, kafka_offset AS o, extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000 AS committed FROM ${table}`,
      );
      return byCoordinates(rows);
    },
    stop: () => child.stop(),
    async cleanup() {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await rm(checkpoint, { recursive: true, force: true });
    },
  };
}

function before(): string {
  if (BEFORE === undefined) throw new Error('the before-* engines run the checkout named by BENCH_SPARK_BEFORE, which is not set');
  return BEFORE;
}

/** `root`: the checkout whose bin/vigie runs; this one's by default. */
async function startVigie({ services, topic }: EngineContext, flags: readonly string[], root?: string): Promise<EngineRun> {
  await deleteSuspicious(services.pool, topic);
  const group = `${topic}-vigie-${randomBytes(4).toString('hex')}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-spark-vigie-'));
  const startedAt = Date.now();
  const args = ['detect', 'transactions', '--kafka', services.brokers.join(','), '--topic', topic, '--group', group, '--data-dir', dataDir];
  // The password travels in the environment, not on a command line others can list.
  const child = startCli([...args, ...flags], { DATABASE_URL: services.databaseUrl }, [], root);
  return consumerGroupRun(services, topic, group, child, startedAt, () => rm(dataDir, { recursive: true, force: true }));
}

/** bench/spark/floor.ts on the topic: vigie's rows (and alerts), the best hand-written design. */
async function startFloor({ services, topic }: EngineContext, alerts: boolean): Promise<EngineRun> {
  await deleteSuspicious(services.pool, topic);
  const group = `${topic}-floor-${randomBytes(4).toString('hex')}`;
  const startedAt = Date.now();
  const argv = ['--import', 'tsx', FLOOR, services.brokers.join(','), topic, group, alerts ? `${group}.alerts` : ''];
  const child = startProcess('the hand-written floor', process.execPath, argv, { ...process.env, DATABASE_URL: services.databaseUrl });
  return consumerGroupRun(services, topic, group, child, startedAt, async () => {
    await services.pool.query(`DELETE FROM ${FLOOR_OFFSETS} WHERE consumer_group = $1`, [group]);
  });
}

/** A run that reads the topic in consumer group `group` and writes vigie's rows (vigie, the floor). */
function consumerGroupRun(services: BenchServices, topic: string, group: string, child: Cli, startedAt: number, removeFiles: () => Promise<void>): EngineRun {
  const pool = services.pool;
  const suspiciousRows = async (): Promise<number> => {
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1 AND revision = 0 AND amount > $2',
      [topic, LIMIT_XAF],
    );
    return Number(rows[0]?.n ?? 0);
  };
  return {
    process: child,
    startedAt,
    ready: () => Promise.race([waitForGroup(services.brokers, group, 120_000), child.died]),
    suspiciousRows,
    // each commits an offset once everything derived from the records below it is written: for
    // vigie, the rows of every rule, not only the amount's.
    // the committed offset first: asking the broker costs the database nothing
    done: async (records, suspicious) => (await committedOffset(services.brokers, group, topic)) >= records && (await suspiciousRows()) >= suspicious,
    rows: () => commitTimes(pool, topic),
    stop: () => child.stop(),
    async cleanup() {
      await deleteSuspicious(pool, topic);
      // the next engine finds the table as this one did, not bloated with its dead rows
      await pool.query('VACUUM suspicious_transactions');
      await removeFiles();
    },
  };
}
