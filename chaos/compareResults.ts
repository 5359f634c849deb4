/**
 * Two runs of one input compared whole: result tables row by row and column by column, and the
 * alerts topics by alert id. An interrupted run (crashes, partitions moving) must leave exactly
 * what an uninterrupted one leaves, not only as many rows. Rows are matched on their source
 * coordinates, which both runs share when they read the same topic (in other groups, into other
 * databases); the columns that legitimately differ between runs are named here, and only those
 * are left out.
 */
import type pg from 'pg';
import type { StoredRecord } from './topics.ts';

export interface ResultTable {
  readonly table: string;
  /** The columns that identify a row in both runs. */
  readonly key: readonly string[];
  /** The columns that differ between two runs by nature (serial ids, when a row was written). */
  readonly ignore: readonly string[];
}

/** vigie's result tables: every other column must be equal between two runs of one input. */
export const RESULT_TABLES: readonly ResultTable[] = [
  { table: 'suspicious_transactions', key: ['source', 'source_partition', 'source_offset', 'revision'], ignore: ['id', 'detected_at'] },
  { table: 'sensor_detections', key: ['source', 'source_partition', 'source_offset', 'detector'], ignore: ['id', 'detected_at'] },
  { table: 'dead_letters', key: ['source', 'source_partition', 'source_offset', 'stage'], ignore: ['id', 'received_at'] },
];

/** Rows (or records) by key, each as its comparable columns. */
export type Keyed = Map<string, Record<string, unknown>>;

export interface Difference {
  readonly what: string;
  readonly onlyA: number;
  readonly onlyB: number;
  /** Keys in both whose values differ. */
  readonly differing: number;
  readonly sizeA: number;
  readonly sizeB: number;
  /** The first few differences, one line each: key, then what A and B hold. */
  readonly examples: readonly string[];
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * A table's rows from `source` (a topic), keyed by `spec.key`, with every column but the
 * ignored ones; values as text, as PostgreSQL prints them, so that a float or a timestamp is
 * compared exactly.
 */
export async function tableRows(db: Queryable, spec: ResultTable, source: string): Promise<Keyed> {
  const { rows: columns } = await db.query<{ name: string }>(
    'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
    [spec.table],
  );
  const kept = columns.map((c) => c.name).filter((c) => !spec.ignore.includes(c));
  if (kept.length === 0) throw new Error(`compareResults: table ${spec.table} not found`);
  // identifiers from information_schema, quoted: no value is spliced into SQL
  const list = kept.map((c) => `"${c}"::text AS "${c}"`).join(', ');
  const { rows } = await db.query<Record<string, string | null>>(`SELECT ${list} FROM "${spec.table}" WHERE source = $1`, [source]);
  return new Map(rows.map((r) => [spec.key.map((k) => r[k]).join('/'), r]));
}

/**
 * The latest value of each alert id on an alerts topic (a revision replaces what came before
 * it; a repeat after a crash is the same value again). The id is the `vigie-alert-id` header,
 * else the value's `alert_id`; later offsets of a partition win.
 */
export function latestAlerts(records: readonly StoredRecord[]): Keyed {
  const latest: Keyed = new Map();
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const record of ordered) {
    const value = JSON.parse(record.value.toString('utf8')) as Record<string, unknown>;
    const id = record.headers['vigie-alert-id'] ?? String(value['alert_id']);
    latest.set(id, value);
  }
  return latest;
}

/** What differs between two keyed sets (A: the uninterrupted run, B: the interrupted one). */
export function compareKeyed(what: string, a: Keyed, b: Keyed, maxExamples = 5): Difference {
  const examples: string[] = [];
  const note = (line: string): void => {
    if (examples.length < maxExamples) examples.push(line);
  };
  let onlyA = 0;
  let differing = 0;
  for (const key of [...a.keys()].sort(byNumbers)) {
    const rowA = a.get(key)!;
    const rowB = b.get(key);
    if (rowB === undefined) {
      onlyA++;
      note(`${key}: only in A ${JSON.stringify(rowA)}`);
      continue;
    }
    const columns = [...new Set([...Object.keys(rowA), ...Object.keys(rowB)])];
    const changed = columns.filter((c) => JSON.stringify(rowA[c]) !== JSON.stringify(rowB[c]));
    if (changed.length > 0) {
      differing++;
      note(`${key}: ${changed.map((c) => `${c} A=${JSON.stringify(rowA[c])} B=${JSON.stringify(rowB[c])}`).join(', ')}`);
    }
  }
  let onlyB = 0;
  for (const key of [...b.keys()].sort(byNumbers)) {
    if (a.has(key)) continue;
    onlyB++;
    note(`${key}: only in B ${JSON.stringify(b.get(key))}`);
  }
  return { what, onlyA, onlyB, differing, sizeA: a.size, sizeB: b.size, examples };
}

/** `t/0/28` before `t/0/131`: the first differences in a partition are its first offsets. */
const byNumbers = (x: string, y: string): number => x.localeCompare(y, 'en', { numeric: true });

export const identical = (d: Difference): boolean => d.onlyA === 0 && d.onlyB === 0 && d.differing === 0;

/** One paragraph a person reads: the counts, then the first differences. */
export function describeDifference(d: Difference): string {
  if (identical(d)) return `${d.what}: identical (${d.sizeA})`;
  const head = `${d.what}: A ${d.sizeA}, B ${d.sizeB}; ${d.onlyA} only in A, ${d.onlyB} only in B, ${d.differing} differing`;
  return [head, ...d.examples.map((e) => `  ${e}`)].join('\n');
}

/** Every result table of two databases, for the rows from `source`. */
export async function compareTables(a: Queryable, b: Queryable, source: string, tables = RESULT_TABLES): Promise<Difference[]> {
  return Promise.all(
    tables.map(async (spec) => compareKeyed(spec.table, await tableRows(a, spec, source), await tableRows(b, spec, source))),
  );
}
