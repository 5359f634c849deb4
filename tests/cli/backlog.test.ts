/**
 * Issue 11, finding 1 and scale-out: a backlog gives the decisions the live stream gives.
 *
 * 18 000 transactions, 600 accounts × 30, ten seconds apart in event time, keyed by account, on
 * six partitions, all produced before vigie starts; amounts under the limit, so only the
 * frequency rule (more than 5 in 10 min) can fire, and it must fire on each account's 6th to
 * 30th: exactly 15 000 rows, whatever the grouping in which the records arrive. On 25cff18 one
 * watermark across all partitions and the idle flush (held records released when the in-flight
 * limit is full and nothing arrives for 1 s) made most of them "late", judged without the
 * account's history; and state held in memory was lost with a process killed mid-run, so the
 * survivors that took over its partitions started those accounts from nothing (the last case:
 * half of the records consumed by three processes, one SIGKILLed, then the second half).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { detectFleet, stopCleanly } from '../helpers/detectFleet.ts';
import { KEEP_FOREVER, createTopic, lagAtMost, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const ACCOUNTS = 600;
const PER_ACCOUNT = 30;
const FREQUENCY = 'frequency>5/10min';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** `YYYY-MM-DD HH:MM:SS`, the prototype's timestamp, of an epoch time read as UTC. */
const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Transaction `j` of account `a`, at T0 + 10 s × j; `transaction_id` = a × 30 + j names it. */
function transaction(a: number, j: number): { key: string; value: string; timestamp: number } {
  const time = T0 + j * 10_000;
  const account = `acc-${String(a).padStart(3, '0')}`;
  const tx = { id: 1000 + a, transaction_id: a * PER_ACCOUNT + j, amount: 500 + (j % 5) * 10, currency: 'XAF', timestamp: stamp(time), account };
  return { key: account, value: JSON.stringify(tx), timestamp: time };
}

/** Each account's 6th to 30th transaction: the ones with more than 5 in the 10 min up to them. */
const expected = Array.from({ length: ACCOUNTS }, (_, a) => Array.from({ length: PER_ACCOUNT - 5 }, (_, k) => a * PER_ACCOUNT + 5 + k)).flat();

let backlog: Promise<{ topic: string; brokers: string[] }> | undefined;
/** One topic for every case (each reads it in a group of its own), produced in event-time order. */
function theBacklog(): Promise<{ topic: string; brokers: string[] }> {
  backlog ??= (async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transaction-backlog');
    await createTopic(brokers, topic, 6, KEEP_FOREVER);
    const records = [];
    for (let j = 0; j < PER_ACCOUNT; j++) for (let a = 0; a < ACCOUNTS; a++) records.push(transaction(a, j));
    await produceAll(brokers, topic, records);
    return { topic, brokers };
  })();
  return backlog;
}

async function fresh(): Promise<{ db: FreshDatabase; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-backlog-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return { db, dir };
}

/** The transaction ids the frequency rule flagged, ascending, and how many rows carry it (repeats included). */
async function frequencyFlagged(db: FreshDatabase, topic: string): Promise<{ ids: number[]; rows: number }> {
  const { rows } = await db.pool.query<{ id: number }>(
    'SELECT transaction_id AS id FROM suspicious_transactions WHERE source = $1 AND $2 = ANY(reasons) ORDER BY 1',
    [topic, FREQUENCY],
  );
  return { ids: [...new Set(rows.map((r) => r.id))], rows: rows.length };
}

/** What differs from the expected set, in numbers a reader can compare with the issue's. */
function summary(ids: number[]): string {
  const got = new Set(ids);
  const missed = expected.filter((id) => !got.has(id));
  const accounts = new Set(missed.map((id) => Math.floor(id / PER_ACCOUNT)));
  const extra = ids.filter((id) => id % PER_ACCOUNT < 5);
  return `${ids.length} of ${expected.length} flagged; ${missed.length} missed across ${accounts.size} accounts, ${extra.length} flagged too early`;
}

/** Exactly the expected transactions flagged for frequency, each once; the counts first, for the reader. */
async function expectEachAccountsSixthToThirtieth(db: FreshDatabase, topic: string): Promise<void> {
  const { ids, rows } = await frequencyFlagged(db, topic);
  expect(summary(ids)).toBe(summary(expected));
  expect(ids).toEqual(expected);
  expect(rows).toBe(expected.length);
}

describe('a 6-partition backlog of 18 000 transactions, produced before vigie starts', () => {
  for (const [name, flags] of [
    ['at default settings', []],
    ['with --max-in-flight 50', ['--max-in-flight', '50']],
  ] as const) {
    it(`flags each account's 6th to 30th for frequency, ${name}: 15 000 of 15 000`, async () => {
      const { topic, brokers } = await theBacklog();
      const { db, dir } = await fresh();
      const group = uniqueTopic('vigie-backlog');
      const fleet = detectFleet(['detect', 'transactions', '--topic', topic, '--group', group, '--alerts-topic', uniqueTopic('alerts'), '--kafka', brokers.join(','), '--database-url', db.url, ...flags], dir);
      fleet.start();
      await until('the backlog consumed', lagAtMost(brokers, group, topic), 150_000);
      await stopCleanly(fleet);
      await expectEachAccountsSixthToThirtieth(db, topic);
    }, 240_000);
  }

});

describe('the same transactions, three processes on six partitions, one SIGKILLed', () => {
  it("moves the killed process's partitions and their accounts' history: no frequency detection missed or doubled", async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transaction-scale-out');
    await createTopic(brokers, topic, 6, KEEP_FOREVER);
    const { db, dir } = await fresh();
    const group = uniqueTopic('vigie-scale-out');
    const fleet = detectFleet(['detect', 'transactions', '--topic', topic, '--group', group, '--alerts-topic', uniqueTopic('alerts'), '--kafka', brokers.join(','), '--database-url', db.url, '--session-timeout', '6000'], dir);
    const half = (from: number, to: number) => {
      const records = [];
      for (let j = from; j < to; j++) for (let a = 0; a < ACCOUNTS; a++) records.push(transaction(a, j));
      return records;
    };
    await produceAll(brokers, topic, half(0, 15));
    const [victim] = [fleet.start(), fleet.start(), fleet.start()];
    // Every account's first 15 are in some process's state; those of the victim's partitions
    // must reach the survivors, or their 16th to 20th (5 in the window without the history) go unflagged.
    await until('the first half consumed', lagAtMost(brokers, group, topic), 150_000);
    await fleet.crash(victim!);
    await produceAll(brokers, topic, half(15, PER_ACCOUNT));
    await until('the second half consumed by the two others', lagAtMost(brokers, group, topic), 150_000);
    await stopCleanly(fleet);
    await expectEachAccountsSixthToThirtieth(db, topic);
  }, 240_000);
});
