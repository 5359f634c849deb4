/**
 * `npm run bench -- alerts`: what an alert costs to send, per design of the Kafka producer, same
 * machine, same moment. Each design sends the same 500 000 of vigie's alerts (alertMessage.ts:
 * the JSON, key and header of `detect transactions`) through `toKafka` with the CLI's batching,
 * acks=-1, to a topic of its own (one partition, as the broker's auto-creation makes the alerts
 * topic) on the real broker, in a process of its own (bench/alerts/send.ts); the rounds flip the
 * order so that load hits every design alike. Counted: CPU seconds of the whole process and of
 * its main thread (the one that runs the rules), and wall time; each topic's end offset checked
 * against the count sent (nothing lost, nothing doubled). Target: the CLI's producer at half of
 * the CPU per alert of the threaded kafkajs producer it replaces, or less.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { DESIGNS, type Design } from './alerts/designs.ts';
import { startServices } from './kafka/services.ts';
import type { Bench, BenchSection } from './section.ts';

const COUNT = Number(process.env['BENCH_ALERTS_COUNT'] ?? 500_000);
const ROUNDS = Number(process.env['BENCH_ALERTS_ROUNDS'] ?? 3);
const BEFORE: Design = 'kafkajs-thread';
/** What `vigie detect transactions` uses (lightProducer.ts). */
const CHOSEN: Design = 'platformatic';
const LABELS: Record<Design, string> = {
  json: 'none: the alerts and their JSON only, nothing sent (what every design pays)',
  'kafkajs-thread': 'kafkajs in a worker thread (before: producerThread.ts)',
  'kafkajs-linear': 'kafkajs on the main thread, its grouping made linear',
  platformatic: '@platformatic/kafka 1.35 on the main thread (after: lightProducer.ts)',
};

interface Run { readonly wallMs: number; readonly cpuMs: number; readonly mainMs: number; readonly load: string }

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const spread = (xs: readonly number[]): string => (xs.length === 1 ? seconds(xs[0]!) : `${seconds(median(xs))} (${seconds(Math.min(...xs))}–${seconds(Math.max(...xs))})`);

async function endOffset(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'vigie-bench-alerts', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

function send(design: Design, brokers: readonly string[], topic: string): Run {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/alerts/send.ts', design, brokers.join(','), topic, String(COUNT)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const { wallMs, cpuMs, mainMs } = JSON.parse(out.trim().split('\n').at(-1)!) as Run;
  return { wallMs, cpuMs, mainMs, load: load() };
}

export const alertsBench: Bench = {
  name: 'alerts',
  async run(): Promise<BenchSection> {
    const log = (line: string): void => console.error(line);
    const services = await startServices(log);
    const runs = new Map<Design, Run[]>(DESIGNS.map((d) => [d, []]));
    const failures: string[] = [];
    const loadBefore = load();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const design of round % 2 === 0 ? DESIGNS : [...DESIGNS].reverse()) {
          const topic = `bench-alerts-${design}-${Date.now()}`;
          const run = send(design, services.brokers, topic);
          const landed = design === 'json' ? 0 : await endOffset(services.brokers, topic);
          if (design !== 'json' && landed !== COUNT) failures.push(`${design}, round ${round + 1}: ${landed} records on the topic for ${COUNT} alerts sent`);
          log(`alerts: ${design} round ${round + 1}: ${JSON.stringify(run)}`);
          runs.get(design)!.push(run);
        }
      }
    } finally {
      await services.stop();
    }
    const perAlert = (ms: number): string => `${((ms * 1000) / COUNT).toFixed(1)} µs`;
    const before = median(runs.get(BEFORE)!.map((r) => r.cpuMs));
    const rows = DESIGNS.map((d) => {
      if (d === 'json') {
        const r = runs.get(d)!;
        return [LABELS[d], spread(r.map((x) => x.cpuMs)), spread(r.map((x) => x.mainMs)), spread(r.map((x) => x.wallMs)), perAlert(median(r.map((x) => x.cpuMs))), '', r.map((x) => x.load).join(' / ')];
      }
      const r = runs.get(d)!;
      const cpu = median(r.map((x) => x.cpuMs));
      return [LABELS[d], spread(r.map((x) => x.cpuMs)), spread(r.map((x) => x.mainMs)), spread(r.map((x) => x.wallMs)), perAlert(cpu), `${(cpu / before).toFixed(2)}`, r.map((x) => x.load).join(' / ')];
    });
    const chosen = median(runs.get(CHOSEN)!.map((r) => r.cpuMs));
    if (chosen > before / 2) failures.push(`the CLI's producer takes ${(chosen / before).toFixed(2)} of the threaded kafkajs producer's CPU per alert, not ½ or less`);
    return {
      title: `Alerts: CPU and time per ${COUNT.toLocaleString('en')} alerts, by producer`,
      method: `${COUNT.toLocaleString('en')} of vigie's alerts (same JSON, key, header as \`detect transactions\`) through toKafka (batches of 2 000 or 5 ms, acks=-1) to a one-partition topic on ${services.description}; each design in a process of its own, ${ROUNDS} rounds in flipped order; median (min–max). CPU: process.cpuUsage (every thread) and the main thread's /proc task counters; timed from the first alert handed to toKafka to the last batch acknowledged.`,
      table: { header: ['producer', 'CPU, all threads', 'CPU, main thread', 'wall', 'CPU per alert', '× before (CPU)', 'load after each round'], rows },
      figures: { 'load average (1, 5, 15 min) before → after': `${loadBefore} → ${load()}, ${cpus().length} cores` },
      failures,
    };
  },
};
