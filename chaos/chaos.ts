/**
 * `npm run chaos`: vigie's flows and bridge as separate processes on a broker, a database and a
 * serial cable of the run's own, fed known transactions and sensor lines at load, while faults
 * drawn from the seed hit them one after another; then every record is audited.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { progress } from '../src/cli/progress.ts';
import { seededRandom } from '../src/random.ts';
import { audit } from './audit.ts';
import { replayUninterrupted } from './identity.ts';
import { type FaultContext, type FaultKind, type Injected, inject, schedule } from './faults.ts';
import { type Flows, startFlows } from './flows.ts';
import { type GroupTopic, behind, offsetReader } from './offsets.ts';
import { AMOUNT_LIMIT, produceTransactions, sleep, writeSerial } from './producers.ts';
import { recovery, sharedPatience } from './recovery.ts';
import type { ChaosResult } from './report.ts';
import { startServers } from './services.ts';

export interface ChaosOptions {
  readonly seed: number;
  /** Each fault kind once, at a lower load, with short outages: the version `npm test` runs. */
  readonly quick: boolean;
  /** Only these fault kinds; none: a run without faults, which must pass (the harness's own check). */
  readonly only?: readonly FaultKind[];
  readonly log?: (line: string) => void;
}

const PARTITIONS = 6;
const DLQ_MAX_BYTES = 65_536;
const TRANSACTION_FLAGS = ['--allowed-lateness', '1000', '--amount-limit', String(AMOUNT_LIMIT)];
const TOPICS = { transactions: 'transaction', readings: 'humidite', alerts: 'transaction.alerts', dlq: 'transaction.dlq', serialDlq: 'serial.dlq' };

export async function runChaos({ seed, quick, only, log = (l) => console.error(`chaos: ${l}`) }: ChaosOptions): Promise<ChaosResult & { workDir: string }> {
  // Two streams: the producer draws at moments that depend on timing, the faults must not.
  const random = seededRandom(seed);
  const data = seededRandom(seed ^ 0x5eed);
  const load = quick
    ? { transactions: 50, lines: 20, times: 1, gap: [1_000, 3_000], outageMs: 4_000, patienceMs: 60_000, minMs: 20_000, tailMs: 10_000 }
    : { transactions: 200, lines: 50, times: 2, gap: [3_000, 8_000], outageMs: 8_000, patienceMs: 120_000, minMs: 90_000, tailMs: 20_000 };
  const started = Date.now();
  const workDir = await mkdtemp(path.join(tmpdir(), 'vigie-chaos-'));
  await chmod(workDir, 0o755); // the embedded server runs as `postgres` when we are root
  log(`working in ${workDir}`);
  const servers = await startServers(workDir, PARTITIONS);
  let flows: Flows | null = null;
  const reader = offsetReader(servers.brokers);
  try {
    await createTopics(servers.brokers);
    const transactions: GroupTopic = { group: 'vigie-transactions', topic: TOPICS.transactions };
    const sensors: GroupTopic = { group: 'vigie-sensors', topic: TOPICS.readings };
    const common = ['--kafka', servers.brokers.join(','), '--database-url', servers.databaseUrl, '--session-timeout', '6000'];
    flows = startFlows(
      [
        ...[1, 2, 3].map((i) => ({
          name: `transactions-${i}`,
          args: ['detect', 'transactions', ...common, '--data-dir', path.join(workDir, `transactions-${i}`), ...TRANSACTION_FLAGS],
        })),
        { name: 'sensors', args: ['detect', 'sensors', '--topic', TOPICS.readings, ...common, '--data-dir', path.join(workDir, 'sensors')] },
        { name: 'bridge', args: ['bridge', '--serial', servers.hostPath, '--kafka', servers.brokers.join(','), '--data-dir', path.join(workDir, 'bridge')] },
      ],
      workDir,
      log,
    );
    const up = flows;
    await Promise.all(up.all.map((f) => f.ready(90_000)));
    log('flows up; producing');
    const producingSince = Date.now();
    const producer = produceTransactions(servers.brokers, TOPICS.transactions, load.transactions, data);
    const serial = writeSerial(servers.devicePath, load.lines);
    const ctx: FaultContext = {
      servers, flows, serial, random, transactions, sensors,
      readingsTopic: TOPICS.readings, partitions: PARTITIONS, workDir, dlqMaxBytes: DLQ_MAX_BYTES, outageMs: load.outageMs, log,
    };
    const plan = schedule(random, load.times, only);
    const bar = progress('chaos faults', { total: plan.length });
    const faults: Promise<Injected & { recoveryMs: number | null }>[] = [];
    const patience = sharedPatience(load.patienceMs);
    for (const [n, kind] of plan.entries()) {
      await sleep(random.int(load.gap[0]!, load.gap[1]!));
      const injected = await patience.inject(() => inject(kind, ctx, n));
      faults.push(recovery(reader, injected.progress, injected.endedAt, patience.deadline).then((recoveryMs) => ({ ...injected, recoveryMs })));
      bar.update(n + 1);
    }
    bar.finish();
    // load goes on after the last fault, so its recovery is seen under load too
    await sleep(Math.max(load.tailMs, load.minMs - (Date.now() - producingSince)));
    const produced = await producer.stop();
    await serial.stop();
    log(`${produced} transactions produced; waiting for recoveries and for every group to catch up`);
    const injected = await Promise.all(faults);
    await Promise.all(injected.map((f) => f.repaired));
    await until(async () => {
      const all = await Promise.all([reader.positions(transactions), reader.positions(sensors)]);
      return all.every((p) => p !== undefined && behind(p).length === 0);
    }, load.patienceMs);
    await Promise.all(flows.all.map((f) => f.ready()));
    await flows.stopAll();
    log('flows stopped; auditing');
    const result = await audit(servers.brokers, servers.databaseUrl, { ...TOPICS_FOR_AUDIT(transactions, sensors), detectors: 2 }, serial.written, reader);
    log('audited; the same topics again, uninterrupted, to compare every decision');
    const replay = await replayUninterrupted(
      servers.brokers,
      servers.databaseUrl,
      { transactions: TOPICS.transactions, readings: TOPICS.readings, alerts: TOPICS.alerts, dlq: TOPICS.dlq, dlqMaxBytes: DLQ_MAX_BYTES },
      { transactions: TRANSACTION_FLAGS, sensors: [] },
      reader,
      workDir,
      log,
      load.patienceMs,
    );
    const crashes = [...flows.crashes, ...replay.crashes];
    return { seed, seconds: Math.round((Date.now() - started) / 1000), audit: result, identity: replay.differences, faults: injected, crashes, looping: [...flows.looping], workDir };
  } finally {
    await flows?.stopAll().catch(() => {});
    await reader.close();
    await servers.stop();
  }
}

const TOPICS_FOR_AUDIT = (transactions: GroupTopic, sensors: GroupTopic) => ({ transactions, sensors, alerts: TOPICS.alerts, dlq: TOPICS.dlq, serialDlq: TOPICS.serialDlq });

async function createTopics(brokers: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'chaos-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: TOPICS.transactions, numPartitions: PARTITIONS },
        { topic: TOPICS.readings, numPartitions: 3 },
        { topic: TOPICS.alerts, numPartitions: 3 },
        // small on purpose: the poison larger than it must still become a dead letter
        { topic: TOPICS.dlq, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(DLQ_MAX_BYTES) }] },
        { topic: TOPICS.serialDlq, numPartitions: 1 },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Polls until `condition` holds or `timeoutMs` passes (the audit then says what is missing). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(500);
  }
  return false;
}

/** Removes the run's folder (the flows' logs are there: kept when the run failed). */
export const removeWorkDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });
