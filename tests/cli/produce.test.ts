/**
 * `vigie produce transactions` as a user runs it: a child process writing to the run's broker.
 * What a consumer of the topic relies on is checked on the records read back, not on the
 * printed lines: the prototype's fields and ranges, one JSON object per record, in order.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { consumeAll, uniqueTopic } from '../helpers/kafka.ts';

const root = new URL('../../', import.meta.url).pathname;
const brokers = inject('kafkaBrokers');

function vigie(
  args: string[],
  timeoutMs = 60_000,
  onStderr: (stderr: string) => void = () => {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['KAFKA_BROKERS'];
    const child = spawn(process.execPath, ['bin/vigie.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr);
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('vigie produce transactions', () => {
  it('sends --count transactions as the prototype did, JSON on the topic, and exits 0', async () => {
    const topic = uniqueTopic('produce-transactions');
    const run = await vigie(['produce', 'transactions', '--rate', '50/s', '--count', '20', '--kafka', brokers.join(','), '--topic', topic]);
    expect(run.code, run.stderr).toBe(0);
    const sent = run.stdout.trim().split('\n');
    expect(sent).toHaveLength(20);
    expect(sent[0]).toMatch(/^sent: \{"id":\d+,/);
    expect(run.stderr).toMatch(new RegExp(`sent 20 transactions to topic ${topic}`));

    const records = await consumeAll(brokers, topic, 20);
    expect(records).toHaveLength(20);
    const transactions = records.map((r) => JSON.parse(r.value!) as Record<string, unknown>);
    expect(sent.map((line) => line.slice('sent: '.length))).toEqual(records.map((r) => r.value));
    for (const [i, t] of transactions.entries()) {
      expect(Object.keys(t)).toEqual(['id', 'transaction_id', 'amount', 'currency', 'timestamp']);
      expect(t['id']).toSatisfy((n: number) => Number.isInteger(n) && n >= 1000 && n <= 9999);
      expect(t['transaction_id']).toSatisfy((n: number) => Number.isInteger(n) && n >= 10_000 && n <= 99_999);
      expect(t['amount']).toSatisfy((n: number) => n >= 100 && n <= 20_000 && Number(n.toFixed(2)) === n);
      expect(t['currency']).toBe('XAF');
      expect(t['timestamp']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(records[i]!.key).toBe(String(t['id'])); // one client's transactions stay on one partition
    }
    expect(new Set(transactions.map((t) => t['transaction_id'])).size).toBeGreaterThan(15);
  });

  it('on SIGTERM, sends what it generated, says how many, and exits 0', async () => {
    const topic = uniqueTopic('produce-sigterm');
    const env = { ...process.env, KAFKA_BROKERS: brokers.join(',') }; // the fallback for --kafka
    const child = spawn(process.execPath, ['bin/vigie.js', 'produce', 'transactions', '--rate', '20', '--topic', topic], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (stdout.split('\n').length <= 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    const sent = stdout.trim().split('\n');
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(stderr).toMatch(/SIGTERM, flushing and stopping/);
    expect(stderr).toContain(`sent ${sent.length} transactions to topic ${topic}`);
    const records = await consumeAll(brokers, topic, sent.length);
    expect(records.map((r) => `sent: ${r.value}`)).toEqual(sent);
  });

  it('refuses a bad --rate with exit code 2 and says what it expects', async () => {
    const run = await vigie(['produce', 'transactions', '--rate', 'fast', '--count', '1', '--kafka', brokers.join(',')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--rate: expected a rate such as 5, 5\/s or 300\/min, got "fast"/);
    expect(run.stdout).toBe('');
  });
});

describe('vigie produce transactions, its broker down at start', () => {
  // Before, it exited at once: "cannot connect to Kafka".
  it('waits, naming host:port, and sends once the broker is there', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const dir = await mkdtemp(join(tmpdir(), 'vigie-produce-late-'));
    await chmod(dir, 0o755);
    let starting: ReturnType<typeof startKafkaBroker> | undefined;
    try {
      const run = await vigie(['produce', 'transactions', '--rate', '50/s', '--count', '5', '--kafka', `127.0.0.1:${port}`, '--topic', 'late'], 150_000, (stderr) => {
        if (!starting && stderr.includes(`kafka at 127.0.0.1:${port} is down: waiting for it`)) starting = startKafkaBroker({ dataDir: join(dir, 'kafka'), port });
      });
      expect(run.code, run.stderr).toBe(0);
      expect(starting, run.stderr).toBeDefined();
      const broker = await starting!;
      try {
        expect(await consumeAll(broker.brokers, 'late', 5)).toHaveLength(5);
      } finally {
        await broker.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
