/**
 * One design of `npm run bench -- alerts`, in a process of its own (its heap, its threads, its
 * CPU counters): sends COUNT of vigie's alerts (alertMessage.ts: same JSON, key and header as
 * `detect transactions`) through `toKafka` with the CLI's batching (2 000 or 5 ms), acks=-1,
 * alerts made as acknowledgements free room (a window of 10 000 in flight), then prints one JSON line: wall ms, CPU ms of the whole process (every thread) and of its main
 * thread, from the first alert made to the last batch acknowledged; connecting is not timed. The
 * design `json` sends nothing: the cost of making the alerts and their JSON, which every design pays.
 *
 * Usage: node --import tsx bench/alerts/send.ts DESIGN BROKERS TOPIC COUNT
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import type { SuspiciousTransaction } from '../../src/types.ts';
import { DESIGNS, type Design } from './designs.ts';


/** The main thread's CPU ms (Linux: its task's utime + stime, in clock ticks of 10 ms). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * kafkajs's `groupMessagesPerPartition` in one pass: the original copies the partition's list
 * for every message (`[...current, message]`), quadratic in a request's records per partition.
 * Put in require's cache before kafkajs loads, so its producer takes this one.
 */
function linearGrouping(): void {
  const require = createRequire(import.meta.url);
  const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
  require(path);
  require.cache[path]!.exports = ({ topic, partitionMetadata, messages, partitioner }: {
    topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: (a: object) => number;
  }) => {
    const result: Record<number, unknown[]> = {};
    if (partitionMetadata.length === 0) return result;
    for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
    return result;
  };
}

/** The `i`th suspicious transaction, as the seed's amount rule makes them, on one of 50 000 accounts. */
function alert(i: number): SuspiciousTransaction {
  return {
    transaction: {
      id: 1000 + (i % 9000),
      transaction_id: 10_000 + (i % 90_000),
      amount: 10_001 + ((i * 7919) % 490_000),
      currency: 'XAF',
      timestamp: `2026-11-22 ${String(10 + Math.floor(i / 3600) % 10).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      account: `ACC-${i % 50_000}`,
    },
    ref: { source: 'transactions', partition: 0, offset: i * 2 },
    reasons: ['amount>10000XAF'],
    score: 1 + (i % 490) / 10,
  };
}

/** Starts the V8 profiler; the function returned stops it and gives the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => (await session.post('Profiler.stop')).profile;
}

/** At most this many alerts made and not yet acknowledged, as the CLI's --max-in-flight bounds its records. */
const WINDOW = 10_000;

async function main(): Promise<void> {
  const [design, brokerList = '', topic = '', countText = '500000'] = process.argv.slice(2) as [Design, string, string, string];
  if (!DESIGNS.includes(design)) throw new Error(`unknown design ${design}; known: ${DESIGNS.join(', ')}`);
  if (design === 'kafkajs-linear') linearGrouping();
  // imported after the patch: they load kafkajs
  const { Subject, lastValueFrom, map, reduce, tap } = await import('rxjs');
  const { toKafka } = await import('../../src/adapters/kafka/toKafka.ts');
  const { alertMessage } = await import('../../src/cli/alertMessage.ts');
  const brokers = brokerList.split(',');
  const count = Number(countText);
  const producer =
    design === 'kafkajs-thread'
      ? await (await import('../../src/adapters/kafka/producerThread.ts')).createThreadedProducer(brokers, 'vigie-bench-alerts')
      : design === 'kafkajs-linear'
        ? await (await import('../../src/adapters/kafka/producer.ts')).createProducer(brokers, 'vigie-bench-alerts')
        : design === 'platformatic'
          ? await (await import('../../src/adapters/kafka/lightProducer.ts')).createLightProducer(brokers, 'vigie-bench-alerts')
          : undefined;
  // Alerts made as the flow makes them, a window ahead of the acknowledgements: memory stays as in the CLI.
  const alerts$ = new Subject<SuspiciousTransaction>();
  let made = 0;
  const more = (n: number): void => {
    for (const end = Math.min(count, made + n); made < end; ) alerts$.next(alert(made++));
    if (made === count) alerts$.complete();
  };
  const written$ = producer
    ? alerts$.pipe(toKafka(producer, alertMessage(topic), { batch: { size: 2_000, lingerMs: 5 } }), map((w) => w.items.length))
    : // the baseline: the alerts' JSON alone, as toKafka builds it, nothing sent
      alerts$.pipe(map((s) => (alertMessage(topic)(s).value.length, 1)));
  globalThis.gc?.();
  // BENCH_ALERTS_PROFILE=file.cpuprofile: a CPU profile of the timed part only
  const profile = process.env['BENCH_ALERTS_PROFILE'] ? await startProfile() : undefined;
  const cpu = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const started = performance.now();
  const done = lastValueFrom(written$.pipe(tap((n) => setImmediate(() => more(n))), reduce((sum, n) => sum + n, 0)));
  more(WINDOW);
  const sent = await done;
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const mainMs = mainThreadCpuMs() - main0;
  if (profile) writeFileSync(process.env['BENCH_ALERTS_PROFILE']!, JSON.stringify(await profile()));
  console.log(JSON.stringify({ design, sent, wallMs, cpuMs: (user + system) / 1000, mainMs }));
  if (producer) await ('close' in producer ? (producer as { close(): Promise<void> }).close() : producer.disconnect());
}

await main();
process.exit(0);
