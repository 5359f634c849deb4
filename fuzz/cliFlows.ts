/**
 * The flows `npm run fuzz` drives through the CLI: what each generates, the `vigie detect`
 * command that reads it, and how what it wrote is looked up for every record.
 */
import type pg from 'pg';
import { type Outcome, report } from './accounting.ts';
import { type FuzzCase, showBytes } from './arbitraries/fuzzCase.ts';
import { sensorValueCase } from './arbitraries/sensors.ts';
import { kafkaTransactionCase, sampleCases } from './arbitraries/transactions.ts';

export const CLI_FLOWS = ['transactions', 'sensors'] as const;
export type CliFlowName = (typeof CLI_FLOWS)[number];

export interface Tables {
  readonly rows: number;
  readonly deadLetters: number;
  readonly problems: string[];
}

export interface CliFlow {
  cases(seed: number, count: number): FuzzCase[];
  /** `vigie detect ...` for a topic, besides the common options; `run` names its output topics. */
  args(topic: string, run: string): string[];
  /** What the run wrote, a line per row, every column but the times of writing: two runs compare so. */
  snapshot(pool: pg.Pool, topic: string): Promise<string[]>;
  /** Every record looked up: `committed` records were judged unless dead-lettered. */
  audit(pool: pg.Pool, topic: string, cases: readonly FuzzCase[], committed: number): Promise<Tables>;
}

interface Dead {
  offset: number;
  stage: string;
  reason: string;
  bytes: Buffer;
}

/** The rows of `sql` (its first parameter the topic), each as a line of JSON. */
async function lines(pool: pg.Pool, sql: string, topic: string): Promise<string[]> {
  return (await pool.query(sql, [topic])).rows.map((r) => JSON.stringify(r));
}

// digests, not the values: a run of huge records would not fit in memory twice as hex
const DEAD_LETTER_LINES =
  "SELECT 'dead' AS t, source_offset, stage, left(reason, 200) AS reason, md5(reason) AS reason_md5, length(raw_bytes) AS length, md5(raw_bytes) AS bytes_md5 FROM dead_letters WHERE source = $1 ORDER BY 2, 3";

async function deadLetters(pool: pg.Pool, topic: string): Promise<Map<number, Dead[]>> {
  const { rows } = await pool.query('SELECT source_offset::int AS offset, stage, reason, raw_bytes AS bytes FROM dead_letters WHERE source = $1', [topic]);
  const at = new Map<number, Dead[]>();
  for (const d of rows as Dead[]) at.set(d.offset, [...(at.get(d.offset) ?? []), d]);
  return at;
}

const transactions: CliFlow = {
  cases: (seed, count) => sampleCases(kafkaTransactionCase, seed, count),
  args: (topic, run) => ['transactions', '--alerts-topic', `${topic}.${run}.alerts`, '--dlq-topic', `${topic}.${run}.dlq`],
  snapshot: async (pool, topic) => [
    ...(await lines(pool, 'SELECT source_offset, revision, revised_by, reasons, score, amount::text, currency, tx_timestamp, event_time, input FROM suspicious_transactions WHERE source = $1 ORDER BY 1, 2', topic)),
    ...(await lines(pool, DEAD_LETTER_LINES, topic)),
  ],
  audit: async (pool, topic, cases, committed) => {
    const { rows } = await pool.query('SELECT source_offset::int AS offset, revision FROM suspicious_transactions WHERE source = $1', [topic]);
    const rowsAt = new Map<number, number>();
    for (const r of rows as { offset: number; revision: number }[]) if (r.revision === 0) rowsAt.set(r.offset, (rowsAt.get(r.offset) ?? 0) + 1);
    const dead = await deadLetters(pool, topic);
    // what was committed and left no dead letter was judged: the CLI shows no other trace of it
    const outcomes: Outcome[] = cases.map((_, offset) => ({
      judged: offset < committed && !dead.has(offset) ? 1 : 0,
      rows: rowsAt.get(offset) ?? 0,
      dead: dead.get(offset) ?? [],
    }));
    return { rows: rows.length, deadLetters: [...dead.values()].flat().length, problems: report(cases, outcomes) };
  },
};

const sensors: CliFlow = {
  cases: (seed, count) => sampleCases(sensorValueCase, seed, count),
  // one detector: one detection row per reading
  args: () => ['sensors', '--detector', 'dbscan'],
  snapshot: async (pool, topic) => [
    ...(await lines(pool, 'SELECT source_offset, detector, topic, value, event_time, state, score, fill FROM sensor_detections WHERE source = $1 ORDER BY 1, 2', topic)),
    ...(await lines(pool, DEAD_LETTER_LINES, topic)),
  ],
  audit: async (pool, topic, cases, committed) => {
    const { rows } = await pool.query('SELECT source_offset::int AS offset, value FROM sensor_detections WHERE source = $1', [topic]);
    const rowsAt = new Map<number, number[]>();
    for (const r of rows as { offset: number; value: number }[]) rowsAt.set(r.offset, [...(rowsAt.get(r.offset) ?? []), r.value]);
    const dead = await deadLetters(pool, topic);
    const problems = cases.flatMap((c, offset) => {
      const values = rowsAt.get(offset) ?? [];
      const d = dead.get(offset) ?? [];
      const found: string[] = [];
      if (offset >= committed) found.push('never committed');
      if (values.length + d.length !== 1) found.push(`${values.length} detection rows and ${d.length} dead letters, not exactly one of them`);
      if (c.expect === 'valid' && (values.length !== 1 || values[0] !== c.reading)) found.push(`a reading of ${c.reading}: rows ${JSON.stringify(values)}`);
      if (c.expect === 'invalid' && d.length !== 1) found.push('not a reading, yet no dead letter');
      for (const x of d) {
        if (!x.bytes.equals(c.bytes)) found.push(`the dead letter's bytes differ:\n    ${showBytes(x.bytes)}`);
        if (!x.reason.endsWith(`(topic=${topic} partition=0 offset=${offset})`)) found.push(`the reason ${JSON.stringify(x.reason.slice(0, 200))} does not name the record`);
      }
      return found.map((p) => `offset ${offset}: ${p}\n  record: ${c.expect} (${c.what}): ${showBytes(c.bytes)}`);
    });
    return { rows: rows.length, deadLetters: [...dead.values()].flat().length, problems };
  },
};

export const cliFlows: Readonly<Record<CliFlowName, CliFlow>> = { transactions, sensors };
