/**
 * What the floor (bench/spark/floor.ts) writes for one batch of the seed's records: vigie's row of
 * each transaction above 10 000 XAF as a line of PostgreSQL's COPY text format, and vigie's alert
 * for it (its id in a header, as `vigie detect transactions` sends it). Pure, so that a test can
 * read the lines back through PostgreSQL.
 */

export const LIMIT_XAF = 10_000;
/** The floor's offsets beside its rows: (consumer_group, topic, partition) → next_offset. */
export const FLOOR_OFFSETS = 'vigie_bench_floor_offsets';
export const CREATE_FLOOR_OFFSETS = `CREATE TABLE IF NOT EXISTS ${FLOOR_OFFSETS} (
  consumer_group text, topic text, partition int4, next_offset int8 NOT NULL, PRIMARY KEY (consumer_group, topic, partition))`;
const REASONS = '{amount>10000XAF}';

/** The columns of `suspicious_transactions` the floor fills, in the order of each COPY line. */
export const FLOOR_COLUMNS = [
  'client_id', 'transaction_id', 'amount', 'currency', 'tx_timestamp', 'reasons', 'score', 'source',
  'source_partition', 'source_offset', 'event_time', 'input', 'revision', 'detected_at',
] as const;

export interface FloorAlert {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

export interface FloorBatch {
  /** COPY text lines, each ending with a newline; '' when no record is above the limit. */
  readonly copy: string;
  readonly alerts: FloorAlert[];
}

/** COPY's text format: a backslash, tab, newline or carriage return in a field is escaped. */
const escaped = (field: string): string => field.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

/** `2024-01-01 12:00:00` (the seed's format) → `2024-01-01T12:00:00Z`. */
const eventTime = (timestamp: string): string => `${timestamp.slice(0, 10)}T${timestamp.slice(11, 19)}Z`;

interface Seed {
  readonly id: number;
  readonly transaction_id: number;
  readonly amount: number;
  readonly currency: string;
  readonly timestamp: string;
}

/** The records of one partition, from `value` strings and their offsets. */
export function floorBatch(topic: string, partition: number, records: readonly { readonly offset: string; readonly value: string }[], detectedAt: string, withAlerts: boolean): FloorBatch {
  let copy = '';
  const alerts: FloorAlert[] = [];
  const source = escaped(topic);
  for (const { offset, value } of records) {
    const t = JSON.parse(value) as Seed;
    if (!(t.amount > LIMIT_XAF)) continue;
    const score = t.amount / LIMIT_XAF;
    copy +=
      `${t.id}\t${t.transaction_id}\t${t.amount}\t${escaped(t.currency)}\t${escaped(t.timestamp)}\t${REASONS}\t${score}\t${source}\t` +
      `${partition}\t${offset}\t${eventTime(t.timestamp)}\t${escaped(value)}\t0\t${detectedAt}\n`;
    if (withAlerts) {
      const id = `${topic}/${partition}/${offset}`;
      alerts.push({ key: String(t.id), value: JSON.stringify({ alert_id: id, ...t, reasons: ['amount>10000XAF'], score, revision: 0 }), headers: { 'vigie-alert-id': id } });
    }
  }
  return { copy, alerts };
}
