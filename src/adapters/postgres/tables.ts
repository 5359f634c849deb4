/**
 * How each record type becomes rows: one constant INSERT per table, fed whole columns as arrays
 * through `unnest`. The SQL text never changes with the batch, so a batch of any size is one
 * round trip, the server can cache the plan, and no value is ever spliced into SQL.
 *
 * Every INSERT ends in `ON CONFLICT (<source coordinates>) DO NOTHING`: a batch retried after a
 * lost reply, or replayed after a restart, writes nothing twice.
 *
 * Timestamps go as ISO strings (exact to the millisecond, unlike `to_timestamp(ms / 1000.0)`),
 * amounts as decimal strings (exact, unlike a float8 cast to numeric), and each transaction's
 * reasons as one JSON array, since `unnest` of a 2-D array would flatten the rows together.
 */
import { parseTimestamp } from '../../timestamps.ts';
import type { DeadLetter, Detection, SuspiciousTransaction } from '../../types.ts';

/** What {@link toPostgres} needs to write rows of `T` to a table. */
export interface TableWriter<T> {
  readonly table: string;
  readonly columns: readonly string[];
  /** One parameterised statement, whatever the number of rows. */
  readonly sql: string;
  /** The statement's parameters for these rows, in the order of `$1, $2, ...`. */
  params(rows: readonly T[]): unknown[];
}

/**
 * A {@link TableWriter} that also tells each row's values as its statement sends them, so that
 * another way in (COPY, see copyRows.ts) stores exactly what the INSERT stores.
 */
export interface TableValues<T> extends TableWriter<T> {
  /** The unique key's columns: the target of `ON CONFLICT`. */
  readonly conflict: readonly string[];
  /** Each column's type as stored (`text`, `int4`, `text[]`...), in the order of `columns`. */
  readonly types: readonly string[];
  /**
   * How the INSERT sends a value, which decides what some values become: inside JSON (a number
   * that is not finite is null, a lone surrogate is refused) or as pg's array parameters (a number
   * is its `toString()`, a lone surrogate becomes U+FFFD in UTF-8).
   */
  readonly sends: 'json' | 'parameters';
  /** One row's values, in the order of `columns`, as the statement receives them. */
  values(row: T): unknown[];
}

interface Column<T> {
  readonly name: string;
  /** The array type of its parameter, e.g. `float8[]`. */
  readonly type: string;
  readonly value: (row: T) => unknown;
}

/** A writer from columns, each unnested into the column of its name. */
function writer<T>(table: string, conflict: string, columns: readonly Column<T>[]): TableValues<T> {
  const names = columns.map((c) => c.name);
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}`).join(', ');
  const sql =
    `INSERT INTO ${table} (${names.join(', ')}) ` +
    `SELECT ${names.join(', ')} FROM unnest(${arrays}) AS u(${names.join(', ')}) ` +
    `ON CONFLICT (${conflict}) DO NOTHING`;
  return {
    table,
    columns: names,
    sql,
    params: (rows) => columns.map((c) => rows.map(c.value)),
    conflict: conflict.split(', '),
    types: columns.map((c) => c.type.slice(0, -2)),
    sends: 'parameters',
    values: (row) => columns.map((c) => c.value(row)),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export const sensorDetectionsTable: TableValues<Detection> = writer<Detection>(
  'sensor_detections',
  'source, source_partition, source_offset, detector',
  [
    { name: 'topic', type: 'text[]', value: (d) => d.topic },
    { name: 'value', type: 'float8[]', value: (d) => d.value },
    { name: 'event_time', type: 'timestamptz[]', value: (d) => iso(d.time) },
    { name: 'state', type: 'int2[]', value: (d) => d.state },
    { name: 'detector', type: 'text[]', value: (d) => d.detector },
    { name: 'score', type: 'float8[]', value: (d) => d.score },
    { name: 'fill', type: 'float4[]', value: (d) => d.fill },
    { name: 'source', type: 'text[]', value: (d) => d.ref.source },
    { name: 'source_partition', type: 'int4[]', value: (d) => d.ref.partition },
    { name: 'source_offset', type: 'int8[]', value: (d) => d.ref.offset },
  ],
);

/**
 * A writer whose rows travel as one JSON array, read by `json_to_recordset`: V8 serialises a
 * batch in one native call and PostgreSQL parses it in its own process, where an array parameter
 * per column cost an escaping pass per value in pg (and a second one for JSON inside text).
 * `row` gives each row as an object with the columns' names (absent: NULL); nested objects and
 * arrays go to jsonb and array columns as they are.
 */
function jsonWriter<T>(table: string, conflict: string, columns: readonly (readonly [name: string, type: string])[], row: (item: T) => object): TableValues<T> {
  const names = columns.map(([name]) => name);
  let inOrder: boolean | undefined;
  const sql =
    `INSERT INTO ${table} (${names.join(', ')}) ` +
    `SELECT ${names.join(', ')} FROM json_to_recordset($1::json) AS t(${columns.map(([name, type]) => `${name} ${type}`).join(', ')}) ` +
    `ON CONFLICT (${conflict}) DO NOTHING`;
  return {
    table,
    columns: names,
    sql,
    params: (rows) => [JSON.stringify(rows.map(row))],
    conflict: conflict.split(', '),
    types: columns.map(([, type]) => type),
    sends: 'json',
    values: (item) => {
      const named = row(item) as Record<string, unknown>;
      // `row` is one object literal, its keys always in one order: when that is the columns'
      // order (checked on the first row), its values need no lookup by name, a third of the cost
      inOrder ??= Object.keys(named).join() === names.join();
      const values = inOrder ? Object.values(named) : [];
      return values.length === names.length ? values : names.map((name) => named[name]);
    },
  };
}

/** JSON has no infinity: a score that overflowed is written as the largest finite one. */
const finite = (n: number): number => (Number.isFinite(n) ? n : n > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE);

export const suspiciousTransactionsTable: TableValues<SuspiciousTransaction> = jsonWriter<SuspiciousTransaction>(
  'suspicious_transactions',
  'source, source_partition, source_offset, revision',
  [
    ['client_id', 'int4'],
    ['transaction_id', 'int4'],
    ['amount', 'numeric'],
    ['currency', 'text'],
    ['tx_timestamp', 'text'],
    ['reasons', 'text[]'],
    ['score', 'float8'],
    ['source', 'text'],
    ['source_partition', 'int4'],
    ['source_offset', 'int8'],
    ['account', 'text'],
    ['latitude', 'float8'],
    ['longitude', 'float8'],
    ['country', 'text'],
    ['channel', 'text'],
    ['type', 'text'],
    ['balance_before', 'numeric'],
    ['event_time', 'timestamptz'],
    ['input', 'jsonb'],
    ['revision', 'int4'],
    ['revised_by', 'int8'],
    ['detected_at', 'timestamptz'],
    ['terminal', 'text'],
  ],
  (s) => {
    const { transaction: t, ref } = s;
    return {
      client_id: t.id,
      transaction_id: t.transaction_id,
      amount: t.amount,
      currency: t.currency,
      tx_timestamp: t.timestamp,
      reasons: s.reasons,
      score: finite(s.score),
      source: ref.source,
      source_partition: ref.partition,
      source_offset: ref.offset,
      account: t.account,
      latitude: t.location?.lat,
      longitude: t.location?.lon,
      country: t.location?.country,
      channel: t.channel,
      type: t.type,
      balance_before: t.balanceBefore,
      // the instant its timestamp names (without a zone: UTC), as the rules read it
      event_time: eventTimeIso(t.timestamp),
      input: t,
      revision: s.revision ?? 0,
      revised_by: s.cause?.offset,
      // when the rules decided, not when the row was written: the latency a bank sees
      detected_at: iso(s.decidedAt ?? Date.now()),
      terminal: t.terminal,
    };
  },
);

/** NULL only for a transaction built by hand that names no instant: a parsed one always does. */
function eventTimeIso(timestamp: string): string | null {
  const time = parseTimestamp(timestamp);
  return typeof time === 'number' ? iso(time) : null;
}

/**
 * A dead letter is the one row that must always be taken, whatever it holds: its text columns
 * show a NUL as U+2400 (a text column cannot hold one; the exact bytes are in `raw_bytes`).
 */
export const deadLettersTable: TableValues<DeadLetter> = writer<DeadLetter>(
  'dead_letters',
  'source, source_partition, source_offset, stage',
  [
    { name: 'stage', type: 'text[]', value: (d) => readable(d.stage) },
    { name: 'reason', type: 'text[]', value: (d) => readable(d.reason) },
    { name: 'raw', type: 'text[]', value: (d) => readable(d.raw) },
    { name: 'raw_bytes', type: 'bytea[]', value: (d) => rawBytes(d) },
    { name: 'source', type: 'text[]', value: (d) => d.ref.source },
    { name: 'source_partition', type: 'int4[]', value: (d) => d.ref.partition },
    { name: 'source_offset', type: 'int8[]', value: (d) => d.ref.offset },
    { name: 'received_at', type: 'timestamptz[]', value: (d) => iso(d.time) },
  ],
);

/** Text PostgreSQL takes: NUL shown as U+2400 SYMBOL FOR NULL. */
export function readable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\u2400') : text;
}

/** The exact bytes of a dead letter: as received, or the UTF-8 of its text when it came as text. */
export function rawBytes(dead: DeadLetter): Buffer {
  return dead.bytes === undefined ? Buffer.from(dead.raw, 'utf8') : Buffer.from(dead.bytes.buffer, dead.bytes.byteOffset, dead.bytes.byteLength);
}
