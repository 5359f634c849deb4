/**
 * `vigie detect transactions` started while its database or its Kafka broker is down: it says
 * which host:port it waits for (never the password), keeps waiting, and works once the server
 * comes. With `--max-outage` it exits instead, naming what was down and since when. Before,
 * a database down at start was exit 1 at once, and a broker down at start a bare
 * `KafkaJSNonRetriableError` with a stack and no address (issue 10, finding 3).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/adapters/freePort.ts';
import { type KafkaBroker, startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { freshDatabase } from '../helpers/database.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-downatstart-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** 400 transactions on a new topic; resolves with how many are suspicious. */
function produceTransactions(brokers: readonly string[], topic: string): number {
  const next = transactionGenerator(3);
  const transactions = Array.from({ length: 400 }, (_, i) => next(1_700_000_000_000 + i * 1000));
  execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });
  return transactions.filter((t) => t.amount > 10_000).length;
}

/** The first Server-Sent Event of the dashboard that holds `text`. */
async function firstEvent(url: string, text: string): Promise<string> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the event stream ended without ${text}`);
      buffer += Buffer.from(value).toString();
      const event = buffer.split('\n\n').find((e) => e.includes(text));
      if (event) return event;
    }
  } finally {
    await reader.cancel();
  }
}

const rows = async (url: string, topic: string): Promise<number> => {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return Number((await client.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);
  } catch {
    return -1;
  } finally {
    await client.end().catch(() => {});
  }
};

describe('detect transactions started while a server is down', () => {
  it('waits for the database, naming host:port and not the password, then works', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await tempDir();
    const dataDir = join(dir, 'pg');
    let server: EmbeddedPostgresServer = await startEmbeddedPostgres({ dataDir });
    cleanups.push(() => server.stop());
    const { url, port } = server;
    await server.stop();
    const password = new URL(url).password;

    const topic = uniqueTopic('transaction');
    const detect = vigie(['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', `${topic}.alerts`, '--dlq-topic', `${topic}.dlq`]);
    await until('the line naming what is awaited', async () => (detect.output().includes(`127.0.0.1:${port}`) ? true : undefined), 30_000);
    await until('a few retries', async () => ((detect.output().match(/retry \d+ in/g) ?? []).length >= 3 ? true : undefined), 30_000);
    expect(detect.proc.exitCode, detect.output()).toBeNull();
    expect(detect.output()).toMatch(new RegExp(`postgres at 127\\.0\\.0\\.1:${port} is down`));

    server = await startEmbeddedPostgres({ dataDir, port });
    const suspicious = produceTransactions(brokers, topic);
    await until('every suspicious transaction', async () => ((await rows(url, topic)) >= suspicious ? true : undefined), 60_000);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    expect(await rows(url, topic)).toBe(suspicious);
    expect(detect.output()).not.toContain(password);
  }, 120_000);

  it('waits for the broker, naming host:port, then works; with --max-outage it exits naming what was down', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    const args = ['detect', 'transactions', '--topic', topic, '--kafka', `127.0.0.1:${port}`, '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', `${topic}.alerts`, '--dlq-topic', `${topic}.dlq`];

    const impatient = vigie([...args, '--max-outage', '2']);
    expect(await impatient.exit, impatient.output()).toBe(1);
    expect(impatient.output()).toMatch(new RegExp(`giving up: kafka 127\\.0\\.0\\.1:${port} down since \\d\\d:\\d\\d:\\d\\d .*--max-outage 2 s`));
    expect(impatient.output()).not.toMatch(/KafkaJSNonRetriableError|    at /);

    const detect = vigie(args);
    await until('the line naming what is awaited', async () => (new RegExp(`kafka at 127\\.0\\.0\\.1:${port} is down`).test(detect.output()) ? true : undefined), 60_000);
    expect(detect.proc.exitCode, detect.output()).toBeNull();
    // What is down and since when: on /metrics, and in the status line.
    const dashboard = /Dashboard: (http:\/\/\S+)/.exec(detect.output())![1]!;
    const metrics = await (await fetch(`${dashboard}/metrics`)).text();
    expect(metrics).toMatch(/vigie_dependency_up\{dependency="kafka"\} 0/);
    expect(metrics).toMatch(/vigie_dependency_up\{dependency="postgres"\} 1/);
    expect(Number(/vigie_dependency_down_since_seconds\{dependency="kafka"\} ([\d.]+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(await firstEvent(`${dashboard}/events`, `"down":"kafka 127.0.0.1:${port} down since`)).toMatch(/"type":"stats"/);
    const broker: KafkaBroker = await startKafkaBroker({ dataDir: join(dir, 'kafka'), port });
    cleanups.push(() => broker.stop('SIGKILL'));
    await createTopic(broker.brokers, topic, 1);
    const suspicious = produceTransactions(broker.brokers, topic);
    await until('every suspicious transaction', async () => ((await rows(db.url, topic)) >= suspicious ? true : undefined), 90_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${detect.output()}`);
      },
    );
    const back = await (await fetch(`${dashboard}/metrics`)).text();
    expect(back).toMatch(/vigie_dependency_up\{dependency="kafka"\} 1/);
    expect(back).toMatch(/vigie_dependency_down_since_seconds\{dependency="kafka"\} 0/);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    expect(await rows(db.url, topic)).toBe(suspicious);
  }, 180_000);
});
