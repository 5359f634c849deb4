/**
 * The chaos run's results against an uninterrupted run of the same input (issue 11): once the
 * faults are over, the flows read the same topics again, as one process each and with no fault,
 * in other consumer groups, into another database and other alerts and dead-letter topics. The
 * result tables and the alerts (latest value per alert id, revisions included) must be
 * identical: what crashes, outages and partition moves did must not show in any decision.
 */
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { type Difference, compareKeyed, compareTables, latestAlerts } from './compareResults.ts';
import { type Crash, startFlows } from './flows.ts';
import { type OffsetReader, behind } from './offsets.ts';
import { sleep } from './producers.ts';
import { readTopic } from './topics.ts';

export interface ReplayTopics {
  readonly transactions: string;
  readonly readings: string;
  readonly alerts: string;
  readonly dlq: string;
  readonly dlqMaxBytes: number;
}

export interface Replay {
  readonly differences: readonly Difference[];
  /** The replay's own flows that died: their results say nothing. */
  readonly crashes: readonly Crash[];
}

const DATABASE = 'vigie_replay';

/**
 * @param flags each flow's settings as the chaos run gave them (amount limit, lateness...),
 *   without the ones the replay sets: kafka, database, data dir, group, alerts and DLQ topics.
 */
export async function replayUninterrupted(
  brokers: string[],
  databaseUrl: string,
  topics: ReplayTopics,
  flags: { readonly transactions: readonly string[]; readonly sensors: readonly string[] },
  reader: OffsetReader,
  workDir: string,
  log: (line: string) => void,
  patienceMs: number,
): Promise<Replay> {
  const replayUrl = await createDatabase(databaseUrl);
  const alerts = `${topics.alerts}.replay`;
  const dlq = `${topics.dlq}.replay`;
  await createTopics(brokers, alerts, dlq, topics.dlqMaxBytes);
  const groups = { transactions: 'vigie-replay-transactions', sensors: 'vigie-replay-sensors' };
  const common = ['--kafka', brokers.join(','), '--database-url', replayUrl];
  const flows = startFlows(
    [
      {
        name: 'replay-transactions',
        args: ['detect', 'transactions', '--topic', topics.transactions, '--group', groups.transactions, ...common, '--data-dir', path.join(workDir, 'replay-transactions'), '--alerts-topic', alerts, '--dlq-topic', dlq, ...flags.transactions],
      },
      {
        name: 'replay-sensors',
        args: ['detect', 'sensors', '--topic', topics.readings, '--group', groups.sensors, ...common, '--data-dir', path.join(workDir, 'replay-sensors'), ...flags.sensors],
      },
    ],
    workDir,
    log,
  );
  try {
    await Promise.all(flows.all.map((f) => f.ready(90_000)));
    const deadline = Date.now() + patienceMs;
    for (;;) {
      const all = await Promise.all([
        reader.positions({ group: groups.transactions, topic: topics.transactions }),
        reader.positions({ group: groups.sensors, topic: topics.readings }),
      ]);
      if (all.every((p) => p !== undefined && p.size > 0 && behind(p).length === 0)) break;
      if (Date.now() > deadline) {
        log('replay: not caught up in time; comparing what it wrote');
        break;
      }
      await sleep(500);
    }
  } finally {
    await flows.stopAll();
  }
  const chaosDb = new pg.Pool({ connectionString: databaseUrl });
  const replayDb = new pg.Pool({ connectionString: replayUrl });
  // an idle client the server drops must not end the harness: the next query says what failed
  for (const pool of [chaosDb, replayDb]) pool.on('error', (error) => log(`replay: PostgreSQL dropped an idle connection: ${error.message}`));
  try {
    // A is the uninterrupted replay, B the chaos run
    const tables = [
      ...(await compareTables(replayDb, chaosDb, topics.transactions)).filter((d) => d.what !== 'sensor_detections'),
      ...(await compareTables(replayDb, chaosDb, topics.readings)).filter((d) => d.what !== 'suspicious_transactions'),
    ];
    const alertsDiff = compareKeyed('alerts', latestAlerts(await readTopic(brokers, alerts)), latestAlerts(await readTopic(brokers, topics.alerts)));
    return { differences: [...tables, alertsDiff], crashes: flows.crashes };
  } finally {
    await Promise.allSettled([chaosDb.end(), replayDb.end()]);
  }
}

/** A database of the replay's own on the chaos run's server; its URL. */
async function createDatabase(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const replay = new URL(url);
  replay.pathname = `/${DATABASE}`;
  return replay.toString();
}

/** The replay's alerts and dead-letter topics, configured as the chaos run's. */
async function createTopics(brokers: string[], alerts: string, dlq: string, dlqMaxBytes: number): Promise<void> {
  const admin = new Kafka({ clientId: 'chaos-replay-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: alerts, numPartitions: 3 },
        { topic: dlq, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(dlqMaxBytes) }] },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}
