/**
 * Issue 19, finding 2, as a bank's team met it: one group on a 1-partition topic, 480
 * transactions at the default rules, stopped with SIGTERM once committed; 240 more and a restart
 * with `--rules amount,frequency`; 240 more and a restart with
 * `--rules zscore,location,frequency,drain,amount`. On d418ce4 each account's rule states were
 * an array indexed by the rule's position, so the third run read frequency's state as location's
 * and exited 1 with `TypeError: Cannot destructure property 'last' of 'seen' as it is
 * undefined.`, leaving transactions above 10 000 XAF never stored.
 *
 * Every run must keep going and stop cleanly, every transaction above 10 000 XAF must be stored
 * exactly once, each restart must say which rules' state it started or dropped, and frequency,
 * on in every run, must decide as one uninterrupted run of the default rules does (another group,
 * another database, the same topic). And state written in that positional layout, read back by
 * this vigie, is not misread: said in the log, the rules start empty, the flow goes on.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { seededRandom } from '../../src/random.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';
import { KEEP_FOREVER, createTopic, lagAtMost, produceAll, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const HOME = { lat: 4.05, lon: 9.7, country: 'CM' };
const PARIS = { lat: 48.85, lon: 2.35, country: 'FR' };

/** 16 accounts taking turns every 5 s (8 transactions an account in 10 min: frequency fires), 12 % above 10 000 XAF, 4 % from Paris. */
function transactions(count: number) {
  const random = seededRandom(19);
  return Array.from({ length: count }, (_, i) => {
    const account = `acct-${i % 16}`;
    const amount = random.next() < 0.12 ? random.int(10_001, 25_000) : random.int(100, 2000);
    const timestamp = new Date(T0 + i * 5000).toISOString().slice(0, 19).replace('T', ' ');
    return { id: 1000 + (i % 16), transaction_id: 10_000 + i, amount, currency: 'XAF', timestamp, account, location: random.next() < 0.04 ? PARIS : HOME };
  });
}

/** Runs `vigie detect transactions` until the group has committed the whole topic, then SIGTERM: its output. */
async function runToEnd(brokers: string[], topic: string, group: string, db: FreshDatabase, dir: string, rules: readonly string[]): Promise<string> {
  const args = ['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000'];
  const run = vigie([...args, ...rules]);
  const exitedEarly = run.exit.then((code) => {
    throw new Error(`vigie ${rules.join(' ') || '(default rules)'} exited ${code} before reaching the end of ${topic}:\n${run.output()}`);
  });
  await Promise.race([until(`${group} at the end of ${topic}`, lagAtMost(brokers, group, topic), 90_000), exitedEarly]);
  exitedEarly.catch(() => {});
  run.proc.kill('SIGTERM');
  expect(await run.exit, run.output()).toBe(0);
  return run.output();
}

/** Each transaction's latest decision, the reasons starting with `prefix`, by offset (none when never suspicious). */
async function verdicts(db: FreshDatabase, topic: string, prefix: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ source_offset: string; reasons: string[] }>(
    `SELECT DISTINCT ON (source_offset) source_offset, reasons FROM suspicious_transactions WHERE source = $1 ORDER BY source_offset, revision DESC`,
    [topic],
  );
  return rows.map((r) => `${r.source_offset}:${r.reasons.filter((reason) => reason.startsWith(prefix)).join(',')}`).filter((v) => !v.endsWith(':'));
}

async function newDatabaseAndDir(name: string): Promise<{ db: FreshDatabase; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `vigie-rules-${name}-`));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return { db, dir };
}

describe('restarting a group with other --rules', () => {
  it('keeps running, each rule on its own state, every transaction above 10 000 XAF stored once', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transactions-rules');
    await createTopic(brokers, topic, 1, KEEP_FOREVER);
    const all = transactions(960);
    const records = all.map((t) => ({ key: t.account, value: JSON.stringify(t) }));
    const group = uniqueTopic('vigie-rules');
    const { db, dir } = await newDatabaseAndDir('restarted');

    await produceAll(brokers, topic, records.slice(0, 480));
    await runToEnd(brokers, topic, group, db, dir, []);
    await produceAll(brokers, topic, records.slice(480, 720));
    const fewer = await runToEnd(brokers, topic, group, db, dir, ['--rules', 'amount,frequency']);
    await produceAll(brokers, topic, records.slice(720));
    const more = await runToEnd(brokers, topic, group, db, dir, ['--rules', 'zscore,location,frequency,drain,amount']);

    // every transaction above the limit, once (its first decision; revisions are rows of their own)
    const { rows } = await db.pool.query<{ source_offset: string; n: number }>(
      `SELECT source_offset, count(*)::int AS n FROM suspicious_transactions WHERE source = $1 AND revision = 0 AND 'amount>10000XAF' = ANY(reasons) GROUP BY 1 ORDER BY 1`,
      [topic],
    );
    const above = all.flatMap((t, offset) => (t.amount > 10_000 ? [String(offset)] : []));
    expect(above.length).toBeGreaterThan(80);
    expect(rows.map((r) => r.source_offset)).toEqual(above);
    expect(rows.every((r) => r.n === 1)).toBe(true);

    // frequency, on in every run, decides as in one uninterrupted run of the default rules
    const whole = await newDatabaseAndDir('uninterrupted');
    await runToEnd(brokers, topic, uniqueTopic('vigie-rules-whole'), whole.db, whole.dir, []);
    const frequency = await verdicts(db, topic, 'frequency>');
    expect(frequency.length).toBeGreaterThan(100);
    expect(frequency).toEqual(await verdicts(whole.db, topic, 'frequency>'));
    // and the rules found suspicious transactions of their own after the restart
    expect((await verdicts(db, topic, 'travel>')).some((v) => Number(v.split(':')[0]) >= 720)).toBe(true);

    // each restart said, once for the partition, which rules' state it dropped or started empty
    // (location is two rules of the rule language, travel and new-country; the z-score rule's id is zscore)
    expect(fewer).toContain(`state fraud-rules of ${topic}/0: rule travel is no longer in --rules: its state in 16 accounts is dropped`);
    expect(fewer).toContain(`state fraud-rules of ${topic}/0: rule new-country is no longer in --rules: its state in 16 accounts is dropped`);
    expect(fewer).toContain(`state fraud-rules of ${topic}/0: rule zscore is no longer in --rules: its state in 16 accounts is dropped`);
    expect(more).toContain(`state fraud-rules of ${topic}/0: rule travel has no state in 16 of 16 accounts (new to --rules): it starts from empty state at the restored offset`);
  }, 300_000);

  it('does not misread a checkpoint of the positional layout (vigie up to d418ce4): logs it, starts the rules empty, keeps running', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('transactions-positional');
    await createTopic(brokers, topic, 1, KEEP_FOREVER);
    const all = transactions(480);
    await produceAll(brokers, topic, all.map((t) => ({ key: t.account, value: JSON.stringify(t) })));
    const group = uniqueTopic('vigie-positional');
    const { db, dir } = await newDatabaseAndDir('positional');
    // what d418ce4 wrote after `--rules amount,frequency` up to offset 240: each account's
    // states as an array by rule position (frequency's times alone), and the partition's clock
    const last = (account: number): number => T0 + (224 + account) * 5000;
    const rows: [string, string][] = [['', JSON.stringify({ maxTime: last(15) })]];
    for (let a = 0; a < 16; a++) rows.push([`acct-${a}`, JSON.stringify({ base: [[last(a) - 80_000, last(a)]], last: last(a) })]);
    for (const store of ['fraud-rules', 'fraud-rules-held']) {
      await db.pool.query('INSERT INTO vigie_state_offsets (store, topic, source_partition, covered_offset) VALUES ($1, $2, 0, 240)', [`${group}/${store}`, topic]);
    }
    for (const [key, value] of rows) {
      await db.pool.query('INSERT INTO vigie_state (store, topic, source_partition, key, value, covered_offset) VALUES ($1, $2, 0, $3, $4, 240)', [`${group}/fraud-rules`, topic, JSON.stringify(key), value]);
    }

    const output = await runToEnd(brokers, topic, group, db, dir, []);
    const { rows: stored } = await db.pool.query<{ source_offset: string }>(
      `SELECT source_offset FROM suspicious_transactions WHERE source = $1 AND revision = 0 AND 'amount>10000XAF' = ANY(reasons) ORDER BY source_offset`,
      [topic],
    );
    expect(stored.map((r) => r.source_offset)).toEqual(all.flatMap((t, offset) => (offset >= 240 && t.amount > 10_000 ? [String(offset)] : [])));
    expect(output).toContain(`state fraud-rules of ${topic}/0: 16 of 16 accounts were written by an older vigie that kept rule state by position: not read, every rule starts from empty state for them at the restored offset`);
    // written again by name
    const { rows: written } = await db.pool.query<{ value: string }>('SELECT value FROM vigie_state WHERE store = $1 AND key = $2', [`${group}/fraud-rules`, JSON.stringify('acct-0')]);
    expect(Object.keys((JSON.parse(written[0]!.value) as { base: object }).base)).toEqual(['frequency@1', 'travel@1', 'new-country@1', 'zscore@1']);
  }, 120_000);
});
