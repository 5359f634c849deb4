/**
 * Secrets go nowhere: `vigie detect transactions` given a real database password (in
 * DATABASE_URL) and a dashboard token, run on suspicious transactions and a poison record, leaves
 * neither in its output, its logs, /metrics, the dashboard's events, the dead letters (table and
 * topic) or the alerts.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

/** Every file under `dir`, as text. */
async function allFiles(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) texts.push(await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return texts.join('\n');
}

/** The first bytes of an event stream, with the token. */
async function someEvents(url: string, token: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const reader = response.body!.getReader();
  let text = '';
  try {
    while (!text.includes('"type":"stats"')) text += Buffer.from((await reader.read()).value ?? []).toString();
  } finally {
    await reader.cancel();
  }
  return text;
}

describe('secrets given to vigie detect', () => {
  it('appear in no output, log, metric, event, dead letter or alert', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-secrets-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const password = decodeURIComponent(new URL(db.url).password);
    expect(password.length).toBeGreaterThan(8);
    const token = 'dashboard-token-of-the-bank-7e1f93';
    const [topic, alerts, dlq] = [uniqueTopic('transaction'), uniqueTopic('alerts'), uniqueTopic('dlq')];
    const lines = [
      ...Array.from({ length: 3 }, (_, i) => JSON.stringify({ id: 5, transaction_id: 300 + i, amount: 50_000, currency: 'XAF', timestamp: '2026-12-04 05:00:00' })),
      '{"id": "poison',
    ];
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${lines.join('\n')}\n` });

    const args = ['detect', 'transactions', '--topic', topic, '--alerts-topic', alerts, '--dlq-topic', dlq, '--kafka', brokers.join(','), '--from', 'earliest', '--data-dir', dir];
    const detect = vigie(args, { ...process.env, DATABASE_URL: db.url, VIGIE_DASHBOARD_TOKEN: token });
    const url = await until('the dashboard address', async () => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(detect.output())?.[1]);
    const written = await until('three rows and a dead letter', async () => {
      const rows = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM suspicious_transactions');
      const dead = await db.pool.query<{ raw: string; reason: string }>('SELECT raw, reason FROM dead_letters');
      return Number(rows.rows[0]?.n) === 3 && dead.rows.length === 1 ? JSON.stringify(dead.rows) : undefined;
    });
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/vigie_records_in_total/);
    const events = await someEvents(`${url}/events`, token);
    const consume = (t: string): string => execFileSync('kcat', ['-C', '-b', brokers.join(','), '-t', t, '-e', '-q'], { encoding: 'latin1' });
    const alerted = await until('the alerts', async () => (consume(alerts).split('\n').filter(Boolean).length === 3 ? consume(alerts) : undefined));
    const deadLetter = await until('the dead letter', async () => (consume(dlq).includes('poison') ? consume(dlq) : undefined));
    detect.proc.kill('SIGINT');
    expect(await detect.exit, detect.output()).toBe(0);

    const places = { output: detect.output(), logs: await allFiles(dir), metrics, events, deadLetterRows: written, deadLetterTopic: deadLetter, alerts: alerted };
    for (const [place, text] of Object.entries(places)) {
      expect(text.length, place).toBeGreaterThan(0);
      expect(text.includes(password), `the database password in ${place}`).toBe(false);
      expect(text.includes(token), `the dashboard token in ${place}`).toBe(false);
    }
  }, 120_000);
});
