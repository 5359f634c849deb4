/**
 * For the regressions the fuzzer found: `records` produced by kcat to a 1-partition topic of their
 * own, `vigie detect transactions` (default rules) on the suite's broker and a database of its
 * own, until the group committed every offset or vigie exited; then what the tables hold.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { until, vigie } from '../helpers/processes.ts';

export interface Detected {
  /** vigie's exit code when it stopped by itself before committing every record, else null. */
  readonly exitedEarly: number | null;
  readonly committed: number;
  readonly output: string;
  readonly rows: { offset: number; amount: string; event_time: Date | null; tx_timestamp: string }[];
  readonly dead: { offset: number; stage: string; reason: string; raw_bytes: Buffer }[];
}

export async function detectRecords(records: readonly Buffer[]): Promise<Detected> {
  const brokers = inject('kafkaBrokers');
  const dir = await mkdtemp(join(tmpdir(), 'vigie-regression-'));
  await chmod(dir, 0o755);
  const db = await freshDatabase();
  const topic = uniqueTopic('transaction');
  const group = uniqueTopic('vigie-regression');
  try {
    await createTopic(brokers, topic, 1);
    const files = await Promise.all(records.map(async (bytes, i) => {
      const file = join(dir, `r${i}`);
      await writeFile(file, bytes);
      return file;
    }));
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', '0', ...files]);
    const detect = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', `${topic}.alerts`, '--dlq-topic', `${topic}.dlq`]);
    const committed = async (): Promise<number> => (await committedOffsets(brokers, group, topic).catch(() => [-1]))[0] ?? -1;
    await until('every offset committed, or vigie gone', async () => (detect.proc.exitCode !== null || (await committed()) === records.length ? true : undefined), 60_000);
    const exitedEarly = detect.proc.exitCode;
    if (exitedEarly === null) {
      detect.proc.kill('SIGTERM');
      await detect.exit;
    }
    const rows = (await db.pool.query('SELECT source_offset::int AS offset, amount::text, event_time, tx_timestamp FROM suspicious_transactions WHERE source = $1 AND revision = 0 ORDER BY 1', [topic])).rows;
    const dead = (await db.pool.query('SELECT source_offset::int AS offset, stage, reason, raw_bytes FROM dead_letters WHERE source = $1 ORDER BY 1', [topic])).rows;
    return { exitedEarly, committed: await committed(), output: detect.output(), rows, dead };
  } finally {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A transaction of the seed's shape with these fields changed, as bytes. */
export const transaction = (fields: Record<string, unknown> = {}): Buffer =>
  Buffer.from(JSON.stringify({ id: 1234, transaction_id: 56789, amount: 500, currency: 'XAF', timestamp: '2026-03-01 10:00:00', ...fields }));
