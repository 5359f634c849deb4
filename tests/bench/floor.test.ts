/**
 * The hand-written floor of `npm run bench -- spark` (bench/spark/floor.ts) claims exactly once by
 * offsets beside the rows: killed with SIGKILL twice in the middle of a backlog and started again,
 * it must leave every suspicious record's row exactly once and send every alert at least once.
 * Real broker, real PostgreSQL, the floor as the benchmark runs it (its own process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedTransactionMessages } from '../../bench/fraud/transactions.ts';
import { produceBacklog } from '../../bench/kafka/records.ts';
import { CREATE_FLOOR_OFFSETS, FLOOR_OFFSETS, LIMIT_XAF } from '../../bench/spark/floorRows.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { consumeToEnd, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { until } from '../helpers/processes.ts';

const root = new URL('../../', import.meta.url).pathname;
const RECORDS = 20_000;
let db: FreshDatabase;
const started: ChildProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await db.pool.query(CREATE_FLOOR_OFFSETS); // polled before the floor's first start creates it
});
afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await db.drop();
});

function floor(brokers: string, topic: string, group: string): { proc: ChildProcess; output: () => string; exit: Promise<number | null> } {
  // ~100 records a fetch: many transactions, so that a kill lands in the middle of the backlog
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/spark/floor.ts', brokers, topic, group, `${topic}.alerts`], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, VIGIE_BENCH_FLOOR_FETCH_BYTES: '16384' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out, exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
}

describe('the floor of the spark benchmark', () => {
  it('writes each suspicious row exactly once and each alert at least once across two SIGKILLs mid-backlog', async () => {
    const brokers = inject('kafkaBrokers').join(',');
    const topic = uniqueTopic('floor-kill');
    const group = `${topic}-floor`;
    await createTopic([brokers], topic);
    const next = seedTransactionMessages(7);
    await produceBacklog([brokers], topic, RECORDS, () => next(Date.now()).value as string);
    const stored = async (): Promise<number> =>
      Number((await db.pool.query<{ n: string }>(`SELECT next_offset AS n FROM ${FLOOR_OFFSETS} WHERE consumer_group = $1`, [group])).rows[0]?.n ?? 0);
    const stillRunning = async (run: ReturnType<typeof floor>): Promise<void> => {
      if (run.proc.exitCode !== null) throw new Error(`the floor exited (${run.proc.exitCode}):\n${run.output()}`);
    };

    const killedAt: number[] = [];
    for (let kill = 0; kill < 2; kill++) {
      const run = floor(brokers, topic, group);
      const before = await stored();
      // killed as soon as it committed a transaction beyond where it started
      killedAt.push(await until('a transaction of the floor', async () => (await stillRunning(run), (await stored()) > before ? stored() : undefined), 60_000));
      run.proc.kill('SIGKILL');
      await run.exit;
    }
    expect(killedAt[1]!).toBeLessThan(RECORDS); // the kills landed before the end of the backlog

    const last = floor(brokers, topic, group);
    await until('the whole backlog', async () => (await stillRunning(last), (await stored()) >= RECORDS ? true : undefined), 90_000);
    last.proc.kill('SIGINT');
    expect(await last.exit).toBe(0);

    const records = await consumeToEnd([brokers], topic, 60_000);
    const suspicious = records.filter((r) => (JSON.parse(r.value!) as { amount: number }).amount > LIMIT_XAF).map((r) => r.offset);
    const { rows } = await db.pool.query<{ o: string }>('SELECT source_offset AS o FROM suspicious_transactions WHERE source = $1 ORDER BY 1', [topic]);
    expect(rows.map((r) => Number(r.o))).toEqual(suspicious);

    const alerted = new Set((await consumeToEnd([brokers], `${topic}.alerts`, 60_000)).map((a) => a.headers['vigie-alert-id']));
    expect(suspicious.filter((o) => !alerted.has(`${topic}/0/${o}`))).toEqual([]);
  }, 240_000);
});
