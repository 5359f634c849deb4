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

interface Column<T> {
  readonly name: string;
  /** The array type of its parameter, e.g. `float8[]`. */
  readonly type: string;
  readonly value: (row: T) => unknown;
}

/** A writer from columns; `select` turns the unnested columns (named after them) into the row. */
function writer<T>(table: string, conflict: string, columns: readonly Column<T>[], select?: string): TableWriter<T> {
  const names = columns.map((c) => c.name);
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}`).join(', ');
  const sql =
    `INSERT INTO ${table} (${names.join(', ')}) ` +
    `SELECT ${select ?? names.join(', ')} FROM unnest(${arrays}) AS u(${names.join(', ')}) ` +
    `ON CONFLICT (${conflict}) DO NOTHING`;
  return { table, columns: names, sql, params: (rows) => columns.map((c) => rows.map(c.value)) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export const sensorDetections: TableWriter<Detection> = writer<Detection>(
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

export const suspiciousTransactions: TableWriter<SuspiciousTransaction> = writer<SuspiciousTransaction>(
  'suspicious_transactions',
  'source, source_partition, source_offset, revision',
  [
    { name: 'client_id', type: 'int4[]', value: (s) => s.transaction.id },
    { name: 'transaction_id', type: 'int4[]', value: (s) => s.transaction.transaction_id },
    { name: 'amount', type: 'numeric[]', value: (s) => String(s.transaction.amount) },
    { name: 'currency', type: 'text[]', value: (s) => s.transaction.currency },
    { name: 'tx_timestamp', type: 'text[]', value: (s) => s.transaction.timestamp },
    { name: 'reasons', type: 'jsonb[]', value: (s) => JSON.stringify(s.reasons) },
    { name: 'score', type: 'float8[]', value: (s) => s.score },
    { name: 'source', type: 'text[]', value: (s) => s.ref.source },
    { name: 'source_partition', type: 'int4[]', value: (s) => s.ref.partition },
    { name: 'source_offset', type: 'int8[]', value: (s) => s.ref.offset },
    { name: 'account', type: 'text[]', value: (s) => s.transaction.account ?? null },
    { name: 'latitude', type: 'float8[]', value: (s) => s.transaction.location?.lat ?? null },
    { name: 'longitude', type: 'float8[]', value: (s) => s.transaction.location?.lon ?? null },
    { name: 'country', type: 'text[]', value: (s) => s.transaction.location?.country ?? null },
    { name: 'channel', type: 'text[]', value: (s) => s.transaction.channel ?? null },
    { name: 'type', type: 'text[]', value: (s) => s.transaction.type ?? null },
    { name: 'balance_before', type: 'numeric[]', value: (s) => (s.transaction.balanceBefore === undefined ? null : String(s.transaction.balanceBefore)) },
    // the transaction's own clock (no zone in the prototype's format): read as UTC
    { name: 'event_time', type: 'timestamptz[]', value: (s) => eventTimeIso(s.transaction.timestamp) },
    { name: 'input', type: 'text[]', value: (s) => JSON.stringify(s.transaction) },
    { name: 'revision', type: 'int4[]', value: (s) => s.revision ?? 0 },
    { name: 'revised_by', type: 'int8[]', value: (s) => s.cause?.offset ?? null },
  ],
  'client_id, transaction_id, amount, currency, tx_timestamp, ' +
    'ARRAY(SELECT jsonb_array_elements_text(reasons)), score, source, source_partition, source_offset, ' +
    'account, latitude, longitude, country, channel, type, balance_before, event_time, input::jsonb, revision, revised_by',
);

function eventTimeIso(timestamp: string): string | null {
  const ms = Date.parse(`${timestamp.slice(0, 10)}T${timestamp.slice(11, 19)}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * A dead letter is the one row that must always be taken, whatever it holds: its text columns
 * show a NUL as U+2400 (a text column cannot hold one; the exact bytes are in `raw_bytes`).
 */
export const deadLetters: TableWriter<DeadLetter> = writer<DeadLetter>(
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
