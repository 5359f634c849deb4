/**
 * Backpressure, measured as memory: a million sensor records already in Kafka, consumed by the
 * sensor flow into a sink slower than Kafka can feed it. Without backpressure the records would
 * pile up between source and sink and resident memory would grow with the backlog; with it
 * (`fromKafka`'s `maxInFlight`) it must stay flat, under 300 MB.
 *
 * A real broker (started here in a temporary directory, unless `KAFKA_BROKERS` is set), filled
 * as fast as kafkajs can (batches of 10 000, acks -1); then `bench/memory/consumer.ts` consumes in
 * a child process, whose own peak RSS (VmHWM) is the figure. This process samples the child's
 * VmRSS from /proc meanwhile, as a check made from outside it. The child runs in the heap
 * `bin/vigie` gives vigie (1 GB), then again with Node's default heap, which is what the launcher
 * is for. `BENCH_MEMORY_RECORDS` overrides the million.
 *
 * DBSCAN only by default: with IsolationForest (100 trees refitted per window) the flow itself
 * runs at ~3-5k records/s here, slower than the sink, so the sink would no longer be what holds
 * the source back, and a million records would take 4-6 minutes. `BENCH_MEMORY_DETECTORS=both`
 * runs both detectors, exactly as `vigie detect sensors` does.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer } from '../src/adapters/kafka/producer.ts';
import { kafkaUnlessGiven } from '../src/adapters/temporaryServers.ts';
import { progress } from '../src/cli/progress.ts';
import { seededRandom } from '../src/random.ts';
import type { ConsumerReport } from './memory/consumer.ts';
import type { Bench, BenchSection } from './section.ts';

const RECORDS = Number(process.env.BENCH_MEMORY_RECORDS ?? 1_000_000);
const DETECTORS = process.env.BENCH_MEMORY_DETECTORS === 'both' ? 'both' : 'dbscan';
const TARGET_MB = 300;
/** The heap `bin/vigie` gives Node by default (VIGIE_HEAP_MB), in MB: how vigie runs. */
const LAUNCHER_HEAP_MB = 1024;
const PRODUCE_BATCH = 10_000;
/** The slow sink: 5 ms per batch of 100 rows, i.e. at most 20 000 rows/s. */
const SINK = { batchSize: 100, delayMs: 5 };
/** A stuck consumer must fail the bench, not hang it. */
const CONSUME_TIMEOUT_MS = 15 * 60_000;

/** Humidity around 50 with 1% spikes, as the Arduino's `humidite!…` values. */
async function produce(brokers: string[], topic: string): Promise<number> {
  const producer = await createProducer(brokers, 'vigie-bench-memory');
  const random = seededRandom(7);
  const bar = progress('bench: memory, records produced', { total: RECORDS });
  const started = performance.now();
  try {
    for (let sent = 0; sent < RECORDS; ) {
      const n = Math.min(PRODUCE_BATCH, RECORDS - sent);
      const messages = Array.from({ length: n }, () => ({ value: (50 + random.normal() + (random.next() < 0.01 ? 10 : 0)).toFixed(2) }));
      await producer.send({ topic, acks: -1, messages });
      sent += n;
      bar.update(sent);
    }
  } finally {
    bar.finish();
    await producer.disconnect();
  }
  return (performance.now() - started) / 1000;
}

/** The child's resident memory now, from outside it; undefined once it is gone. */
function childRssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the consumer child; resolves with its report and the largest RSS sampled from here. */
function consume(brokers: string[], topic: string, group: string, nodeFlags: string[] = []): Promise<{ report: ConsumerReport; sampledMaxMb: number }> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'memory', 'consumer.ts');
  const args = [...nodeFlags, '--expose-gc', '--import', 'tsx', script, '--brokers', brokers.join(','), '--topic', topic, '--count', String(RECORDS)];
  args.push('--detectors', DETECTORS, '--group', group, '--batch-size', String(SINK.batchSize), '--delay-ms', String(SINK.delayMs));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let sampledMaxMb = 0;
  const sampler = setInterval(() => (sampledMaxMb = Math.max(sampledMaxMb, childRssMb(child.pid!) ?? 0)), 200);
  const killer = setTimeout(() => child.kill('SIGKILL'), CONSUME_TIMEOUT_MS);
  let stdout = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ report: JSON.parse(last) as ConsumerReport, sampledMaxMb: Math.round(sampledMaxMb) });
      } catch {
        reject(new Error(`the consumer child ended (${signal ?? `code ${code}`}) without a report${signal === 'SIGKILL' ? ` within ${CONSUME_TIMEOUT_MS / 60_000} min` : ''}`));
      }
    });
  });
}

/** The group's committed offsets summed over the topic's partitions: the records it really committed. */
async function committedOffset(brokers: string[], topic: string, groupId: string): Promise<number> {
  const admin = new Kafka({ clientId: 'vigie-bench-memory', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function memory(): Promise<BenchSection> {
  const kafka = await kafkaUnlessGiven('vigie-bench');
  try {
    const brokers = kafka.value;
    // A topic of its own, so a shared broker's old records are not counted; the prefix is the sensor's name.
    const topic = `humidite-bench-${Date.now()}`;
    const produceSeconds = await produce(brokers, topic);
    const group = `bench-memory-${topic}`;
    // As bin/vigie runs vigie: in a bounded heap, as one gives a JVM -Xmx.
    const { report, sampledMaxMb } = await consume(brokers, topic, group, [`--max-old-space-size=${LAUNCHER_HEAP_MB}`]);
    const committed = await committedOffset(brokers, topic, group).catch(() => -1);
    // The same again with Node's default heap, sized from the machine's memory (about 4 GB here):
    // V8 lets garbage pile up towards it between full collections. Why the launcher bounds it.
    const unbounded = await consume(brokers, topic, `${group}-node-default`);
    const failures: string[] = [];
    if (report.peakRssMb > TARGET_MB) failures.push(`the consumer's peak RSS was ${report.peakRssMb} MB, above ${TARGET_MB} MB`);
    if (report.acknowledged !== RECORDS) failures.push(`${report.acknowledged} of ${RECORDS} records were acknowledged`);
    if (committed !== RECORDS) failures.push(`the group committed ${committed} records, not ${RECORDS}`);
    if (unbounded.report.acknowledged !== RECORDS) failures.push(`with Node's default heap, ${unbounded.report.acknowledged} of ${RECORDS} records were acknowledged`);
    return {
      title: `Memory under backpressure: ${RECORDS.toLocaleString('en')} Kafka records into a slow sink`,
      method:
        `${RECORDS.toLocaleString('en')} sensor records produced to a real Kafka broker, then consumed in a child process by fromKafka (default maxInFlight) → ` +
        `the sensor flow as \`vigie detect sensors\` wires it (acknowledgedSensors, warm-up of 21, ${DETECTORS === 'both' ? 'DBSCAN and IsolationForest with 100 trees' : 'DBSCAN only (BENCH_MEMORY_DETECTORS=both adds IsolationForest)'}) → ` +
        `a sink with toPostgres's contract that waits ${SINK.delayMs} ms per batch of ${SINK.batchSize} rows (at most ${(1000 / SINK.delayMs) * SINK.batchSize} rows/s, ` +
        `${DETECTORS === 'both' ? 2 : 1} row per record). Peak RSS is the child's VmHWM, run as bin/vigie runs vigie (--max-old-space-size=${LAUNCHER_HEAP_MB}), then again with Node's default heap.`,
      figures: {
        records: RECORDS,
        'produce time (s)': Number(produceSeconds.toFixed(1)),
        'RSS at start of consuming (MB)': report.rssAtStartMb,
        'peak RSS, VmHWM (MB)': report.peakRssMb,
        'peak RSS, getrusage maxRSS (MB)': report.maxRssMb,
        'largest RSS sampled from outside every 200 ms (MB)': sampledMaxMb,
        'target peak RSS (MB)': TARGET_MB,
        "peak RSS with Node's default heap instead of the launcher's (MB)": unbounded.report.peakRssMb,
        "records acknowledged, with Node's default heap": unbounded.report.acknowledged,
        'heap still reachable after a full GC at the end (MB)': report.liveHeapAfterGcMb,
        'consume wall time (s)': Number(report.wallSeconds.toFixed(1)),
        'records/s through the flow': Math.round(report.acknowledged / Math.max(report.wallSeconds, 1e-9)),
        'rows written by the slow sink': report.rowsWritten,
        'largest backlog held by the sink (rows)': report.largestSinkBacklog,
        'records acknowledged': report.acknowledged,
        'records committed (offsets summed over partitions)': committed,
      },
      failures,
    };
  } finally {
    await kafka.stop();
  }
}

export const memoryBench: Bench = { name: 'memory', run: memory };
