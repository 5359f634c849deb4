/**
 * The Kafka broker stopped for longer than kafkajs's own retries (about 20 s), once cleanly
 * (SIGTERM) and once crashed (SIGKILL), then started again on the same port and data, while
 * transactions keep coming and `vigie detect transactions` runs: the process never exits, resumes
 * by itself each time, and PostgreSQL ends with every suspicious transaction exactly once.
 * Before the fix, the alerts sink or the consumer gave up after kafkajs's retries and the process
 * exited 1, losing everything produced after (issue 10, finding 3).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { freshDatabase } from '../helpers/database.ts';
import { createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

/** Longer than kafkajs's retries (producer and consumer give up after about 20 s). */
const OUTAGE_MS = 26_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('detect transactions while the Kafka broker restarts', () => {
  it('never exits, resumes by itself, and stores every suspicious transaction once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-brokerdown-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kafkaDir = join(dir, 'kafka');
    let broker: KafkaBroker = await startKafkaBroker({ dataDir: kafkaDir });
    cleanups.push(() => broker.stop('SIGKILL'));
    const { brokers, port } = broker;
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    await createTopic(brokers, topic, 2);

    // Another client keeps producing while the broker is up, as a bank's systems would.
    const producing = produce(brokers, topic, transactionGenerator(11), 150);

    const detect = vigie(['detect', 'transactions', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--max-in-flight', '100', '--session-timeout', '6000',
      '--alerts-topic', `${topic}.alerts`, '--dlq-topic', `${topic}.dlq`]);
    const count = async (): Promise<number> =>
      Number((await db.pool.query('SELECT count(*) AS n FROM suspicious_transactions WHERE source = $1', [topic])).rows[0].n);
    const more = async (than: number): Promise<void> => {
      await until(`more than ${than} rows`, async () => ((await count()) > than ? true : undefined), 60_000);
    };

    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await more((await count()) + 20);
      await producing.pause();
      await broker.stop(signal);
      await sleep(OUTAGE_MS);
      expect(detect.proc.exitCode, detect.output()).toBeNull();
      // The status line says what is down, where and since when.
      expect(detect.output().split('\n').filter((line) => line.includes('records/s')).at(-1)).toMatch(new RegExp(`kafka 127\\.0\\.0\\.1:${port} down since \\d\\d:\\d\\d:\\d\\d \\(\\d+ s\\)`));
      broker = await startKafkaBroker({ dataDir: kafkaDir, port });
      producing.resume();
      await more((await count()) + 20).catch((error: Error) => {
        throw new Error(`${error.message}: no progress after the broker came back (${signal})\n${detect.output()}`);
      });
    }
    const suspicious = await producing.stop();
    await until('every suspicious transaction', async () => ((await count()) >= suspicious ? true : undefined), 60_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${detect.output()}`);
      },
    );
    expect(detect.proc.exitCode, detect.output()).toBeNull();
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);

    const { rows } = await db.pool.query(
      'SELECT count(*) AS n, count(DISTINCT (source_partition, source_offset)) AS distinct_n FROM suspicious_transactions WHERE source = $1',
      [topic],
    );
    expect(Number(rows[0].n)).toBe(suspicious);
    expect(Number(rows[0].distinct_n)).toBe(suspicious);
  }, 170_000);
});

/** Writes about `perSecond` transactions a second with kcat, while not paused; `stop` says how many were suspicious. */
function produce(brokers: readonly string[], topic: string, next: (time: number) => { amount: number }, perSecond: number) {
  let suspicious = 0;
  let i = 0;
  let paused = false;
  let stopped = false;
  let writing: Promise<void> = Promise.resolve();
  const loop = (async () => {
    while (!stopped) {
      if (!paused) {
        const lines: string[] = [];
        for (let k = 0; k < perSecond / 4; k++) {
          const t = next(1_700_000_000_000 + i++ * 1000);
          if (t.amount > 10_000) suspicious++;
          lines.push(JSON.stringify(t));
        }
        await (writing = kcat(brokers, topic, lines));
      }
      await sleep(250);
    }
  })();
  return {
    /** Resolves once the batch being written is in. */
    pause: async (): Promise<void> => {
      paused = true;
      await writing;
    },
    resume: (): void => void (paused = false),
    stop: async (): Promise<number> => {
      stopped = true;
      await loop;
      return suspicious;
    },
  };
}

function kcat(brokers: readonly string[], topic: string, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}: ${err}`))));
    child.stdin!.end(`${lines.join('\n')}\n`);
  });
}
