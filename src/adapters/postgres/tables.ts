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
import type { DeadLetter, Detection, StoredTransaction, SuspiciousTransaction } from '../../types.ts';

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
  /**
   * Each column's value of a row, in the order of `columns`: {@link values} one at a time, for a
   * COPY line built without an object and an array per row.
   */
  readonly getters: readonly ((row: T) => unknown)[];
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
    getters: columns.map((c) => c.value),
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
function jsonWriter<T>(table: string, conflict: string, columns: readonly (readonly [name: string, type: string, value: (item: T) => unknown])[]): TableValues<T> {
  const names = columns.map(([name]) => name);
  const getters = columns.map(([, , value]) => value);
  // each row as one object with the columns' names (undefined: left out by JSON, NULL)
  const row = (item: T): Record<string, unknown> => {
    const named: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) named[names[i]!] = getters[i]!(item);
    return named;
  };
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
    values: (item) => getters.map((get) => get(item)),
    getters,
  };
}

/** JSON has no infinity: a score that overflowed is written as the largest finite one. */
const finite = (n: number): number => (Number.isFinite(n) ? n : n > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE);

export const suspiciousTransactionsTable: TableValues<SuspiciousTransaction> = jsonWriter<SuspiciousTransaction>(
  'suspicious_transactions',
  'source, source_partition, source_offset, revision',
  [
    ['client_id', 'int4', (s) => s.transaction.id],
    ['transaction_id', 'int4', (s) => s.transaction.transaction_id],
    ['amount', 'numeric', (s) => s.transaction.amount],
    ['currency', 'text', (s) => s.transaction.currency],
    ['tx_timestamp', 'text', (s) => s.transaction.timestamp],
    ['reasons', 'text[]', (s) => s.reasons],
    ['score', 'float8', (s) => finite(s.score)],
    ['source', 'text', (s) => s.ref.source],
    ['source_partition', 'int4', (s) => s.ref.partition],
    ['source_offset', 'int8', (s) => s.ref.offset],
    ['account', 'text', (s) => s.transaction.account],
    ['latitude', 'float8', (s) => s.transaction.location?.lat],
    ['longitude', 'float8', (s) => s.transaction.location?.lon],
    ['country', 'text', (s) => s.transaction.location?.country],
    ['channel', 'text', (s) => s.transaction.channel],
    ['type', 'text', (s) => s.transaction.type],
    ['balance_before', 'numeric', (s) => s.transaction.balanceBefore],
    // the instant its timestamp names (without a zone: UTC), as the rules read it
    ['event_time', 'timestamptz', (s) => eventTimeIso(s.transaction.timestamp)],
    ['input', 'jsonb', (s) => s.transaction],
    ['revision', 'int4', (s) => s.revision ?? 0],
    ['revised_by', 'int8', (s) => s.cause?.offset],
    // when the rules decided, not when the row was written: the latency a bank sees
    ['detected_at', 'timestamptz', (s) => detectedIso(s.decidedAt ?? Date.now())],
    ['terminal', 'text', (s) => s.transaction.terminal],
    // the rules that fired (id, version, value, limit, reason, score): why, for an analyst
    ['fired', 'jsonb', (s) => s.fired],
    // a learned model's verdict (the one that decided) and a shadow's score, when a model scores
    ['model', 'text', (s) => s.model?.version],
    ['model_score', 'float8', (s) => s.model?.score],
    ['model_top', 'jsonb', (s) => s.model?.top],
    ['shadow_model', 'text', (s) => s.shadow?.version],
    ['shadow_score', 'float8', (s) => s.shadow?.score],
  ],
);

/**
 * The last value and its text: a backlog's rows come in runs of one timestamp (a second's
 * transactions, a batch decided in one millisecond), whose parse and ISO text are made once.
 */
function lastOne<I, O>(of: (input: I) => O): (input: I) => O {
  let last: I | undefined;
  let text: O | undefined;
  return (input) => {
    if (input !== last || text === undefined) {
      text = of(input);
      last = input;
    }
    return text;
  };
}

/** NULL only for a transaction built by hand that names no instant: a parsed one always does. */
const eventTimeIso = lastOne((timestamp: string): string | null => {
  const time = parseTimestamp(timestamp);
  return typeof time === 'number' ? iso(time) : null;
});

const detectedIso = lastOne(iso);

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

/**
 * Every transaction of the fraud flow, with `--store-transactions`: its JSON text as it came (the
 * parser took it, so it is UTF-8 without NUL, which json takes as it is).
 */
export const transactionsTable: TableValues<StoredTransaction> = writer<StoredTransaction>(
  'transactions',
  'source, source_partition, source_offset',
  [
    { name: 'source', type: 'text[]', value: (t) => t.ref.source },
    { name: 'source_partition', type: 'int4[]', value: (t) => t.ref.partition },
    { name: 'source_offset', type: 'int8[]', value: (t) => t.ref.offset },
    { name: 'event_time', type: 'timestamptz[]', value: (t) => eventIso(t.eventTime) },
    { name: 'account', type: 'text[]', value: (t) => t.account },
    { name: 'transaction_id', type: 'int8[]', value: (t) => t.transactionId },
    { name: 'input', type: 'json[]', value: (t) => t.json },
    { name: 'received_at', type: 'timestamptz[]', value: (t) => receivedIso(t.time) },
  ],
);

const eventIso = lastOne(iso);
const receivedIso = lastOne(iso);

/** Text PostgreSQL takes: NUL shown as U+2400 SYMBOL FOR NULL. */
export function readable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\u2400') : text;
}

/** The exact bytes of a dead letter: as received, or the UTF-8 of its text when it came as text. */
export function rawBytes(dead: DeadLetter): Buffer {
  return dead.bytes === undefined ? Buffer.from(dead.raw, 'utf8') : Buffer.from(dead.bytes.buffer, dead.bytes.byteOffset, dead.bytes.byteLength);
}
