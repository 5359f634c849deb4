/**
 * `vigie detect transactions` keeps each partition's next offset in PostgreSQL, written in the
 * transaction that writes the rows below it (issue 21): PostgreSQL, not Kafka's committed offset,
 * says where a restart goes on, and a process that lost a partition without knowing it cannot
 * write it any more.
 *
 * Both tests drop the suspicious rows' unique key, so a row written twice shows as two rows: the
 * unique key is the last guard, not what makes the results exactly once. Before issue 21 the
 * CLI could not run at all without it (its INSERT named the key in ON CONFLICT), and a restart
 * re-read the records past Kafka's committed offset and wrote their rows again.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, lagAtMost, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { ADVANCE } from '../../src/adapters/postgres/outputOffsets.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const LIMIT = 10_000;

async function setUp(prefix: string, partitions: number): Promise<{ brokers: string[]; dir: string; db: FreshDatabase; topic: string }> {
  const brokers = inject('kafkaBrokers');
  const dir = await mkdtemp(join(tmpdir(), `vigie-${prefix}-`));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  // without the unique key, a row written twice is two rows
  await db.pool.query('ALTER TABLE suspicious_transactions DROP CONSTRAINT suspicious_transactions_source_revision_key');
  const topic = uniqueTopic(prefix);
  await createTopic(brokers, topic, partitions);
  return { brokers, dir, db, topic };
}

const produce = (brokers: readonly string[], topic: string, values: readonly object[]): void => {
  execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', '0'], { input: `${values.map((v) => JSON.stringify(v)).join('\n')}\n` });
};

/** Suspicious rows by (partition, offset): how many times each is stored. */
async function stored(db: FreshDatabase, topic: string): Promise<Map<string, number>> {
  const { rows } = await db.pool.query<{ p: number; o: string; n: string }>(
    'SELECT source_partition AS p, source_offset AS o, count(*) AS n FROM suspicious_transactions WHERE source = $1 GROUP BY 1, 2',
    [topic],
  );
  return new Map(rows.map((r) => [`${r.p}/${r.o}`, Number(r.n)]));
}

const total = async (db: FreshDatabase, topic: string): Promise<number> =>
  Number((await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);

describe('detect transactions: offsets beside the rows', () => {
  it('after SIGKILL, and Kafka\'s committed offsets moved back to the beginning, goes on from PostgreSQL\'s offsets: every suspicious record stored once', async () => {
    const { brokers, dir, db, topic } = await setUp('offsets-kill', 2);
    const next = transactionGenerator(21);
    const transactions = Array.from({ length: 6000 }, (_, i) => next(1_700_000_000_000 + i * 1000));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });
    const suspicious = transactions.filter((t) => t.amount > LIMIT).length;
    const group = `g-${topic}`;
    const args = ['detect', 'transactions', '--topic', topic, '--group', group, '--rules', 'amount', '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--max-in-flight', '200', '--session-timeout', '6000'];

    const first = vigie(args);
    const before = await until('some rows, not all', async () => {
      const n = await total(db, topic);
      return n > 200 ? n : undefined;
    });
    first.proc.kill('SIGKILL');
    await first.exit;
    expect(before).toBeLessThan(suspicious); // killed mid-backlog

    // Kafka's committed offsets behind PostgreSQL's: at the beginning (once the group is empty)
    const kafka = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await until('the dead member gone, the group reset', async () => admin.resetOffsets({ groupId: group, topic, earliest: true }).then(() => true, () => undefined));
    await admin.disconnect();
    const written = await db.pool.query<{ next_offset: string }>('SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2', [group, topic]);
    expect(written.rows.length).toBeGreaterThan(0);

    const second = vigie(args);
    await until('every suspicious transaction, and the group at the end', async () => ((await total(db, topic)) >= suspicious && (await lagAtMost(brokers, group, topic)()) ? true : undefined));
    second.proc.kill('SIGTERM');
    expect(await second.exit, second.output()).toBe(0);

    const rows = await stored(db, topic);
    expect([...rows.values()].filter((n) => n > 1), 'rows stored more than once').toEqual([]);
    expect(rows.size).toBe(suspicious);
    expect(await total(db, topic)).toBe(suspicious);
    // PostgreSQL's offsets are at each partition's end; Kafka's follow them, never ahead
    const ends = await db.pool.query<{ p: number; n: string }>('SELECT source_partition AS p, next_offset AS n FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2 ORDER BY 1', [group, topic]);
    expect(ends.rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(transactions.length);
    const kafkaOffsets = await committedOffsets(brokers, group, topic);
    ends.rows.forEach((r) => expect(kafkaOffsets[r.p]).toBeLessThanOrEqual(Number(r.n)));
  }, 240_000);

  it('refuses the late transaction of a process whose partition another writer advanced (a zombie): nothing doubled, nothing lost', async () => {
    const { brokers, dir, db, topic } = await setUp('offsets-zombie', 1);
    const group = `g-${topic}`;
    // offsets 0..79; the other writer owns 40..44 (none suspicious), every 4th other is
    const transaction = (i: number) => ({ id: 1000 + i, transaction_id: 10_000 + i, amount: i % 4 === 0 && (i < 40 || i >= 45) ? 15_000 : 500, currency: 'XAF', timestamp: `2026-01-05 09:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}` });
    const all = Array.from({ length: 80 }, (_, i) => transaction(i));
    const offsetAt = async (): Promise<number | undefined> => {
      const { rows } = await db.pool.query<{ next_offset: string }>('SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2 AND source_partition = 0', [group, topic]);
      return rows[0] === undefined ? undefined : Number(rows[0].next_offset);
    };
    const args = ['detect', 'transactions', '--topic', topic, '--group', group, '--rules', 'amount', '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000'];

    produce(brokers, topic, all.slice(0, 40));
    const first = vigie(args);
    await until('the first 40 records committed', async () => ((await offsetAt()) === 40 ? true : undefined));
    // another writer takes the partition from 40 to 45, with the fence's own SQL
    const taken = await db.pool.query(ADVANCE, [group, topic, 0, 45, 40]);
    expect(taken.rowCount).toBe(1);

    produce(brokers, topic, all.slice(40));
    await until('the first process fenced', async () => (first.output().includes('OUTPUT_FENCED') ? true : undefined));
    expect(first.output()).toMatch(new RegExp(`OUTPUT_FENCED: another process wrote ${topic}/0's output offset`));
    expect(await offsetAt()).toBe(45);
    const late = await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1 AND source_offset >= 40', [topic]);
    expect(Number(late.rows[0].n), 'rows of the refused transaction').toBe(0);
    first.proc.kill('SIGTERM');
    expect(await first.exit, first.output()).toBe(0);

    // the group gives the partition to a process again: it goes on from PostgreSQL's 45
    const second = vigie(args);
    await until('every record committed', async () => ((await offsetAt()) === 80 ? true : undefined));
    second.proc.kill('SIGTERM');
    expect(await second.exit, second.output()).toBe(0);

    const rows = await stored(db, topic);
    const expected = all.flatMap((t, i) => (t.amount > LIMIT ? [`0/${i}`] : []));
    expect([...rows.entries()].filter(([, n]) => n > 1), 'rows stored more than once').toEqual([]);
    expect([...rows.keys()].sort()).toEqual(expected.sort());
  }, 240_000);
  it('commits rows while a checkpoint of the state cannot be written (a slow or locked state table holds no row back)', async () => {
    const { brokers, dir, db, topic } = await setUp('offsets-checkpoint', 1);
    const group = `g-${topic}`;
    const transaction = (i: number) => ({ id: 2000 + i, transaction_id: 20_000 + i, amount: i % 2 === 0 ? 15_000 : 500, currency: 'XAF', timestamp: `2026-01-05 10:00:${String(i).padStart(2, '0')}` });
    const all = Array.from({ length: 40 }, (_, i) => transaction(i));
    const offsetAt = async (): Promise<number | undefined> => {
      const { rows } = await db.pool.query<{ next_offset: string }>('SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2 AND source_partition = 0', [group, topic]);
      return rows[0] === undefined ? undefined : Number(rows[0].next_offset);
    };
    // the default rules: state of their own, checkpointed every 5 s
    const run = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir]);
    produce(brokers, topic, all.slice(0, 20));
    await until('the first 20 records committed, with their state', async () => ((await offsetAt()) === 20 ? true : undefined));

    // the state table locked against writes, past the checkpoint interval: the next checkpoint waits
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE vigie_state IN EXCLUSIVE MODE');
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      produce(brokers, topic, all.slice(20));
      // before issue 21's fix the checkpoint travelled with the rows: none committed while it waited
      await until('the next 20 records committed while the checkpoint waits', async () => ((await offsetAt()) === 40 ? true : undefined), 30_000);
      const rows = await stored(db, topic);
      expect([...rows.keys()].sort()).toEqual(all.flatMap((t, i) => (t.amount > LIMIT ? [`0/${i}`] : [])).sort());
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    // the checkpoint goes down once the table is free, and a stop still writes it
    run.proc.kill('SIGTERM');
    expect(await run.exit, run.output()).toBe(0);
    const state = await db.pool.query<{ covered_offset: string }>('SELECT max(covered_offset) AS covered_offset FROM vigie_state_offsets WHERE store LIKE $1', [`${group}/%`]);
    expect(Number(state.rows[0]?.covered_offset)).toBe(40);
  }, 240_000);
});
