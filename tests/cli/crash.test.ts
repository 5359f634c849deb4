/**
 * `vigie detect transactions` killed with SIGKILL mid-stream, then started again: PostgreSQL ends
 * with exactly one row per suspicious transaction, none lost, none twice. The second run re-reads
 * from the last committed offset, so it sees again some records the first had stored; the rows'
 * unique key (topic, partition, offset) makes that harmless.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { freshDatabase } from '../helpers/database.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});



describe('detect transactions across a crash', () => {
  it('stores every suspicious transaction exactly once', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-crash-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    await createTopic(brokers, topic, 2);

    const next = transactionGenerator(5);
    const transactions = Array.from({ length: 6000 }, (_, i) => next(1_700_000_000_000 + i * 1000));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });
    const suspicious = transactions.filter((t) => t.amount > 10_000).length;
    const count = async (): Promise<number> =>
      Number((await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);

    const args = ['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--max-in-flight', '200', '--session-timeout', '6000'];
    const first = vigie(args);
    const before = await until('some rows, not all', async () => {
      const n = await count();
      return n > 200 ? n : undefined;
    });
    first.proc.kill('SIGKILL');
    await first.exit;
    expect(before).toBeLessThan(suspicious); // killed mid-stream

    const second = vigie(args);
    await until('every suspicious transaction', async () => ((await count()) >= suspicious ? true : undefined));
    second.proc.kill('SIGTERM');
    expect(await second.exit, second.output()).toBe(0);

    expect(await count()).toBe(suspicious);
    const { rows } = await db.pool.query(
      'SELECT count(DISTINCT (source_partition, source_offset)) AS n, sum(amount) AS total FROM suspicious_transactions WHERE source = $1',
      [topic],
    );
    expect(Number(rows[0].n)).toBe(suspicious);
    const expectedTotal = transactions.filter((t) => t.amount > 10_000).reduce((s, t) => s + Math.round(t.amount * 100), 0) / 100;
    expect(Number(rows[0].total)).toBeCloseTo(expectedTotal, 2);
  }, 180_000);
});
