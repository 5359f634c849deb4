/**
 * PostgreSQL stopped and started again while `vigie detect transactions` runs: the flow stops
 * consuming (its in-flight limit fills while writes retry), resumes when the database is back, and
 * the table ends with every suspicious transaction exactly once.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

let server: EmbeddedPostgresServer | null = null;
let dir = '';
afterAll(async () => {
  killAll();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('detect transactions while PostgreSQL restarts', () => {
  it('loses nothing and writes nothing twice', async () => {
    const brokers = inject('kafkaBrokers');
    dir = await mkdtemp(join(tmpdir(), 'vigie-dbdown-'));
    await chmod(dir, 0o755);
    const dataDir = join(dir, 'pg');
    server = await startEmbeddedPostgres({ dataDir });
    const { url, port } = server;

    const topic = uniqueTopic('transaction');
    const next = transactionGenerator(9);
    const transactions = Array.from({ length: 4000 }, (_, i) => next(1_700_000_000_000 + i * 1000));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });
    const suspicious = transactions.filter((t) => t.amount > 10_000).length;

    const detect = vigie(['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', url,
      '--data-dir', join(dir, 'vigie'), '--max-in-flight', '100', '--alerts-topic', `${topic}.alerts`, '--dlq-topic', `${topic}.dlq`]);
    const count = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return Number((await client.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);
      } catch {
        return -1; // table not there yet, or the server is away
      } finally {
        await client.end().catch(() => {});
      }
    };
    await until('some rows', async () => ((await count()) > 50 ? true : undefined));
    await server.stop();
    await until('the flow to notice', async () => (/postgres: write failed/.test(detect.output()) ? true : undefined), 30_000);
    // The status line says what is down, where and since when.
    await until('the outage in the status line', async () =>
      detect.output().split('\n').some((line) => line.includes('records/s') && line.includes(`postgres 127.0.0.1:${port} down since`)) ? true : undefined,
    10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(detect.proc.exitCode).toBeNull(); // still running, waiting for the database
    server = await startEmbeddedPostgres({ dataDir, port });

    await until('every suspicious transaction', async () => ((await count()) >= suspicious ? true : undefined));
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    expect(await count()).toBe(suspicious);
  }, 150_000);
});
