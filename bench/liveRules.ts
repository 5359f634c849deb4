/**
 * `npm run bench -- live-rules`: how soon a rule change on the control topic is in force in a
 * running `vigie detect transactions` (issue 23: within a second). A real detect process (the
 * built CLI) on the benchmark's own broker and PostgreSQL judges a steady stream of transactions
 * while CHANGES new versions of the amount rule are produced one after the other; each change's
 * delay runs from its record timestamp (set by the producer when it sends) to the moment detect's
 * line `rules: amount vN from …` reaches this process through its stdout pipe (no polling).
 * Target: every change in force within 1 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startServices } from './kafka/services.ts';
import type { Bench, BenchSection } from './section.ts';

const CHANGES = Number(process.env['BENCH_LIVE_RULES_CHANGES'] ?? 20);
/** Transactions a second fed to detect while the changes come. */
const RATE = Number(process.env['BENCH_LIVE_RULES_RATE'] ?? 500);
const GAP_MS = 300;

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const quantile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

export const liveRulesBench: Bench = {
  name: 'live-rules',
  async run(): Promise<BenchSection> {
    const log = (line: string): void => console.error(line);
    const services = await startServices(log);
    const dir = await mkdtemp(join(tmpdir(), 'vigie-bench-live-rules-'));
    const stamp = Date.now();
    const topic = `bench-live-transactions-${stamp}`;
    const rulesTopic = `bench-live-rules-${stamp}`;
    const kafka = new Kafka({ clientId: 'vigie-bench-live-rules', brokers: services.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const seen = new Map<number, number>();
    let output = '';
    let detect: ChildProcess | undefined;
    let feeding: ReturnType<typeof setInterval> | undefined;
    const delays: number[] = [];
    const failures: string[] = [];
    const loadBefore = load();
    let sent = 0;
    try {
      detect = spawn(process.execPath, ['bin/vigie.js', 'detect', 'transactions', '--topic', topic, '--group', `bench-live-${stamp}`, '--kafka', services.brokers.join(','), '--database-url', services.databaseUrl, '--data-dir', dir, '--rules', 'amount', '--rules-topic', rulesTopic, '--rules-rejected-topic', `${rulesTopic}.rejected`, '--alerts-topic', `bench-live-alerts-${stamp}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      const hear = (data: Buffer): void => {
        const at = Date.now();
        output += data.toString();
        for (const match of data.toString().matchAll(/rules: amount v(\d+) from/g)) if (!seen.has(Number(match[1]))) seen.set(Number(match[1]), at);
      };
      detect.stdout!.on('data', hear);
      detect.stderr!.on('data', hear);
      const deadline = Date.now() + 120_000;
      while (!output.includes(`Rules followed on ${rulesTopic}`)) {
        if (detect.exitCode !== null || Date.now() > deadline) throw new Error(`detect did not start:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // the load: RATE transactions a second, stamped now, 100 accounts
      const perTick = Math.max(1, Math.round(RATE / 20));
      feeding = setInterval(() => {
        const messages = Array.from({ length: perTick }, () => {
          const n = sent++;
          const transaction = { id: n % 100, transaction_id: n, amount: 100 + ((n * 7919) % 20_000), currency: 'XAF', timestamp: new Date().toISOString(), account: `acct-${n % 100}` };
          return { key: transaction.account, value: JSON.stringify(transaction) };
        });
        producer.send({ topic, messages }).catch((error: unknown) => log(`live-rules: feeding failed: ${(error as Error).message}`));
      }, 50);
      await new Promise((r) => setTimeout(r, 2_000));
      for (let i = 0; i < CHANGES; i++) {
        const version = i + 2;
        const rule = { id: 'amount', version, value: { field: 'amount' }, compare: '>', limit: { by: 'currency', limits: { XAF: 5_000 + 500 * i } }, reason: 'amount>{limit}{currency}' };
        const timestamp = Date.now();
        await producer.send({ topic: rulesTopic, acks: -1, messages: [{ key: 'amount', value: JSON.stringify(rule), timestamp: String(timestamp) }] });
        const wait = Date.now() + 10_000;
        while (!seen.has(version) && Date.now() < wait) await new Promise((r) => setTimeout(r, 5));
        if (!seen.has(version)) failures.push(`amount v${version} not in force 10 s after it was produced`);
        else delays.push(seen.get(version)! - timestamp);
        await new Promise((r) => setTimeout(r, GAP_MS));
      }
    } finally {
      clearInterval(feeding);
      await producer.disconnect().catch(() => {});
      if (detect && detect.exitCode === null) {
        const exited = new Promise((r) => detect!.once('exit', r));
        detect.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
        if (detect.exitCode === null) detect.kill('SIGKILL');
      }
      await services.stop();
      await rm(dir, { recursive: true, force: true });
    }
    const late = delays.filter((d) => d > 1_000);
    if (late.length > 0) failures.push(`${late.length} of ${delays.length} changes took more than 1 s (the slowest ${Math.max(...late)} ms)`);
    const ms = (x: number): string => `${x} ms`;
    return {
      title: 'Live rules: from a change produced on the control topic to the change in force',
      method: `A \`vigie detect transactions\` process (built CLI, \`--rules amount\`, \`--rules-topic\`) on ${services.description}, fed ${RATE} transactions/s, while ${CHANGES} new versions of the amount rule are produced ${GAP_MS} ms apart by a kafkajs producer; each delay: from the record's timestamp (the producer's clock, this machine) to detect's log line \`rules: amount vN from …\` arriving on its stdout pipe.`,
      figures: {
        'changes in force': `${delays.length} of ${CHANGES}`,
        'delay, median': delays.length ? ms(quantile(delays, 0.5)) : '-',
        'delay, 90th percentile': delays.length ? ms(quantile(delays, 0.9)) : '-',
        'delay, slowest': delays.length ? ms(Math.max(...delays)) : '-',
        'transactions fed meanwhile': sent,
        'load average (1, 5, 15 min) before → after': `${loadBefore} → ${load()}, ${cpus().length} cores`,
      },
      failures,
    };
  },
};
