/**
 * `fromKafka` against a real broker (started for this file): what arrives, what is committed
 * across a SIGKILL and a SIGTERM of a consumer process, what a slow sink keeps in memory, and how
 * a consumer group shares and hands over partitions. A mock could not show any of it: the races
 * live in kafkajs and the broker's group coordinator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Admin, Kafka, type Producer, logLevel } from 'kafkajs';
import { Subject, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../../src/adapters/kafka/broker.ts';
import { fromKafka } from '../../../src/adapters/kafka/fromKafka.ts';
import type { KafkaRecord } from '../../../src/adapters/kafka/types.ts';
import { VigieError } from '../../../src/errors.ts';
import { retryPolicy } from '../../../src/retry.ts';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
const fixture = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'consumeToFile.ts');

let root: string;
let broker: KafkaBroker;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigie-fromkafka-'));
  broker = await startKafkaBroker({ dataDir: path.join(root, 'kafka') });
  const kafka = new Kafka({ clientId: 'vigie-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
  await rm(root, { recursive: true, force: true });
});

const original = Kafka.prototype.consumer;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function createTopic(partitions: number): Promise<string> {
  const topic = unique('t');
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

/**
 * The records' timestamps: recent ones. A timestamp older than the topic's retention (7 days)
 * has its records deleted by the broker's first retention check, 30 s after it starts, and a
 * test still reading then found its committed offsets out of range and nothing left to read.
 */
const BASE_TIME = Date.now() - 60_000;

/** Record i goes to partition i % partitions, so partition p holds offsets 0..n/partitions-1. */
async function produce(topic: string, n: number, partitions: number, valueBytes = 0): Promise<void> {
  const pad = 'x'.repeat(valueBytes);
  for (let from = 0; from < n; from += 1000) {
    const messages = [];
    for (let i = from; i < Math.min(n, from + 1000); i += 1) {
      const timestamp = String(BASE_TIME + i);
      messages.push({ partition: i % partitions, key: `k${i}`, value: `v${i}${pad}`, headers: { i: String(i) }, timestamp });
    }
    await producer.send({ topic, messages });
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

/** `partition offset` lines a consumer process wrote. */
function refsIn(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

interface ConsumerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string | null>;
  readonly stderr: string[];
}

function consumerProcess(args: Record<string, unknown>): ConsumerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify({ brokers: broker.brokers, ...args })], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (data: Buffer) => stderr.push(data.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, exited, stderr };
}

/** Counts per `partition offset`, over several output files. */
function tally(files: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of files) for (const ref of refsIn(file)) counts.set(ref, (counts.get(ref) ?? 0) + 1);
  return counts;
}

function expectAllOnce(counts: Map<string, number>, n: number, partitions: number, allowDuplicates: boolean): number {
  for (let p = 0; p < partitions; p += 1) {
    for (let o = 0; o < n / partitions; o += 1) expect(counts.has(`${p} ${o}`), `${p} ${o}`).toBe(true);
  }
  expect(counts.size).toBe(n);
  const duplicates = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
  if (!allowDuplicates) expect(duplicates).toBe(0);
  return duplicates;
}

describe('fromKafka', () => {
  it('emits every record with its fields, in offset order per partition, and commits on unsubscribe', async () => {
    const topic = await createTopic(2);
    const groupId = unique('g');
    await produce(topic, 100, 2);
    const received: KafkaRecord[] = [];
    const lags: { partition: number; lag: number }[] = [];
    const onLag = (_t: string, partition: number, lag: number) => lags.push({ partition, lag });
    const subscription = fromKafka({ brokers: broker.brokers, topics: [topic], groupId, onLag }).subscribe((record) => {
      received.push(record);
      record.ack();
    });
    await waitFor(() => received.length >= 100, 30_000, '100 records');
    // told at offset 0 (every 100th) and at each batch's last record: the lag of a partition ends at 0
    for (const p of [0, 1]) {
      const told = lags.filter((l) => l.partition === p).map((l) => l.lag);
      expect(told[0]).toBe(49); // offset 0, 49 records behind it
      expect(told.at(-1)).toBe(0);
    }
    expect(lags.length).toBeLessThan(100); // not once per record
    subscription.unsubscribe();
    expect(received).toHaveLength(100);
    for (const p of [0, 1]) {
      expect(received.filter((r) => r.partition === p).map((r) => r.offset)).toEqual([...Array(50).keys()]);
    }
    for (const r of received) {
      const i = r.offset * 2 + r.partition;
      expect(r.topic).toBe(topic);
      expect(r.key?.toString()).toBe(`k${i}`);
      expect(r.value?.toString()).toBe(`v${i}`);
      expect(r.headers).toEqual({ i: String(i) });
      expect(r.timestamp).toBe(BASE_TIME + i);
      expect(r.ref).toEqual({ source: topic, partition: r.partition, offset: r.offset });
    }
    await waitFor(async () => (await committed(groupId, topic)).join() === '50,50', 15_000, 'the commit on unsubscribe');
  });

  it('tells of the outage and waits; fails with SOURCE_FAILED, saying where, once its retry policy gives up', async () => {
    const downs: unknown[] = [];
    const error = await new Promise<unknown>((resolve) => {
      const retry = retryPolicy({ retries: 1, initialDelayMs: 10 });
      fromKafka({ brokers: ['127.0.0.1:1'], topics: ['nowhere'], groupId: 'g-nowhere', retry, onDown: (e) => downs.push(e) }).subscribe({ error: resolve });
    });
    expect(downs).toHaveLength(1);
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).code).toBe('SOURCE_FAILED');
    expect((error as VigieError).where).toEqual({ topics: 'nowhere', groupId: 'g-nowhere' });
  }, 45_000);

  it('on stop$, waits for the records in flight, commits them and completes', async () => {
    const topic = await createTopic(1);
    const groupId = unique('g');
    await produce(topic, 50, 1);
    const stop$ = new Subject<void>();
    let count = 0;
    const completed = new Promise<void>((resolve, reject) => {
      fromKafka({ brokers: broker.brokers, topics: [topic], groupId, stop$ }).subscribe({
        next: (record) => {
          if (++count === 50) stop$.next();
          setTimeout(() => record.ack(), 10 + record.offset * 5);
        },
        complete: resolve,
        error: reject,
      });
    });
    await completed;
    expect(await committed(groupId, topic)).toEqual([50]);
  });

  it('resumes after a SIGKILL with every record processed, duplicates only of uncommitted ones', async () => {
    const n = 2000;
    const topic = await createTopic(2);
    const groupId = unique('g');
    await produce(topic, n, 2);
    const first = path.join(root, `${groupId}-1.txt`);
    const second = path.join(root, `${groupId}-2.txt`);
    const run1 = consumerProcess({ topic, groupId, out: first, delayMs: 1 });
    await waitFor(() => refsIn(first).length >= 400, 30_000, 'the first run to process 400 records');
    run1.child.kill('SIGKILL');
    await run1.exited;
    const byFirst = refsIn(first).length;
    expect(byFirst).toBeLessThan(n);
    const run2 = consumerProcess({ topic, groupId, out: second });
    // the killed member holds its partitions until its session times out (6 s): room for a loaded machine
    await waitFor(() => tally([first, second]).size >= n, 90_000, `all ${n} records (${run2.stderr.join('')})`);
    run2.child.kill('SIGTERM');
    await run2.exited;
    const duplicates = expectAllOnce(tally([first, second]), n, 2, true);
    expect(refsIn(second).length).toBeGreaterThan(0);
    console.log(`SIGKILL: first run ${byFirst}, second ${refsIn(second).length}, duplicates ${duplicates}`);
  }, 150_000);

  it('resumes after a SIGTERM exactly after the last processed record', async () => {
    const n = 2000;
    const topic = await createTopic(2);
    const groupId = unique('g');
    await produce(topic, n, 2);
    const first = path.join(root, `${groupId}-1.txt`);
    const second = path.join(root, `${groupId}-2.txt`);
    const run1 = consumerProcess({ topic, groupId, out: first, delayMs: 1 });
    await waitFor(() => refsIn(first).length >= 400, 30_000, 'the first run to process 400 records');
    run1.child.kill('SIGTERM');
    expect(await run1.exited).toBe(0);
    const byFirst = refsIn(first).length;
    expect(byFirst).toBeLessThan(n);
    const run2 = consumerProcess({ topic, groupId, out: second });
    await waitFor(() => tally([first, second]).size >= n, 30_000, `all ${n} records`);
    run2.child.kill('SIGTERM');
    await run2.exited;
    expectAllOnce(tally([first, second]), n, 2, false);
    expect(refsIn(second).length).toBe(n - byFirst);
  }, 60_000);

  it('keeps at most maxInFlight records unacknowledged behind a slow sink, with bounded memory', async () => {
    const topic = await createTopic(2);
    await produce(topic, 20_000, 2, 1024);
    const maxInFlight = 50;
    let emitted = 0;
    let acked = 0;
    let peak = 0;
    const queue: KafkaRecord[] = [];
    const sink = setInterval(() => {
      const due = queue.splice(0, queue.length);
      for (const record of due) record.ack();
      acked += due.length;
    }, 20);
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 50);
    let subscription: Subscription | undefined;
    try {
      subscription = fromKafka({ brokers: broker.brokers, topics: [topic], groupId: unique('g'), maxInFlight }).subscribe((record) => {
        emitted += 1;
        peak = Math.max(peak, emitted - acked);
        queue.push(record);
      });
      await waitFor(() => emitted >= 500, 30_000, '500 records');
      const started = Date.now();
      await waitFor(() => Date.now() - started > 4_000, 10_000, 'four seconds of consuming');
    } finally {
      subscription?.unsubscribe();
      clearInterval(sink);
      clearInterval(sampler);
    }
    const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
    console.log(
      `slow sink: ${emitted} emitted, ${acked} acked, peak in flight ${peak}; ` +
        `RSS +${mb(peakRss - baseline.rss)} MB, heap +${mb(peakHeap - baseline.heapUsed)} MB`,
    );
    expect(emitted).toBeLessThan(20_000);
    expect(peak).toBeLessThanOrEqual(maxInFlight);
    expect(peakRss - baseline.rss).toBeLessThan(100e6);
  }, 60_000);

  it('hands a leaving member’s partitions to the survivor, losing and repeating nothing', async () => {
    const n = 4000;
    const topic = await createTopic(4);
    const groupId = unique('g');
    const fileA = path.join(root, `${groupId}-a.txt`);
    const fileB = path.join(root, `${groupId}-b.txt`);
    const a = consumerProcess({ topic, groupId, out: fileA, delayMs: 1 });
    const b = consumerProcess({ topic, groupId, out: fileB, delayMs: 1 });
    // Produce only once both share the partitions, so no records are in flight when they first rebalance.
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0]!;
        return group.state === 'Stable' && group.members.length === 2 && group.members.every((m) => m.memberAssignment.length > 0);
      },
      30_000,
      'both members in the group',
    );
    await produce(topic, n, 4);
    await waitFor(() => refsIn(fileA).length >= 300 && refsIn(fileB).length >= 300, 30_000, 'both members processing');
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const byA = refsIn(fileA).length;
    await waitFor(() => tally([fileA, fileB]).size >= n, 30_000, `all ${n} records`);
    b.child.kill('SIGTERM');
    await b.exited;
    expectAllOnce(tally([fileA, fileB]), n, 4, false);
    expect(byA).toBeLessThan(n / 2);
    console.log(`group: A ${byA} before leaving, B ${refsIn(fileB).length}`);
  }, 60_000);

  /*
   * kafkajs emits REBALANCING and rejoins at once without awaiting listeners, so a commit started
   * from the listener raced the rejoin, and overlapped a periodic commit still in flight. Commits
   * are slowed here (the real commit, 300 ms later) so that a periodic one is nearly always in
   * flight when a second member joins; while records keep being acknowledged, no two commits
   * may overlap and none may start between REBALANCING and the new assignment.
   */
  it('commits one at a time, and starts none while the group rebalances', async () => {
    const topic = await createTopic(2);
    const groupId = unique('g');
    const seen = { overlaps: 0, duringRebalance: 0, commits: 0 };
    const made = vi.spyOn(Kafka.prototype, 'consumer');
    made.mockImplementation(function (this: Kafka, config) {
      const consumer = original.call(this, config);
      let inFlight = 0;
      let rebalancing = false;
      consumer.on(consumer.events.REBALANCING, () => (rebalancing = true));
      consumer.on(consumer.events.GROUP_JOIN, () => (rebalancing = false));
      const commitOffsets = consumer.commitOffsets.bind(consumer);
      consumer.commitOffsets = async (offsets) => {
        seen.commits++;
        if (rebalancing) seen.duringRebalance++;
        if (++inFlight > 1) seen.overlaps++;
        try {
          await new Promise((r) => setTimeout(r, 300));
          return await commitOffsets(offsets);
        } finally {
          inFlight--;
        }
      };
      return consumer;
    });
    const subscriptions: Subscription[] = [];
    const producing = setInterval(() => void produce(topic, 20, 2).catch(() => {}), 50);
    try {
      const member = (): Subscription =>
        fromKafka({ brokers: broker.brokers, topics: [topic], groupId, commitIntervalMs: 50, sessionTimeoutMs: 6000 }).subscribe((r) => r.ack());
      subscriptions.push(member());
      await waitFor(() => seen.commits >= 3, 30_000, 'periodic commits');
      subscriptions.push(member());
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([groupId]);
          return groups[0]!.state === 'Stable' && groups[0]!.members.length === 2;
        },
        30_000,
        'the second member in the group',
      );
      const after = seen.commits;
      await waitFor(() => seen.commits >= after + 3, 30_000, 'commits after the rebalance');
    } finally {
      clearInterval(producing);
      for (const s of subscriptions) s.unsubscribe();
      made.mockRestore();
    }
    expect(seen).toEqual(expect.objectContaining({ overlaps: 0, duringRebalance: 0 }));
  }, 60_000);
});
