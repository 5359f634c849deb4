/**
 * Labelled history from PostgreSQL: the transactions `detect transactions --store-transactions`
 * stored, each labelled by the `labels` table, with the label events merged in at the time they
 * were stored as known (`labelled_at`, their real arrival), in one pass over a server-side cursor:
 * a batch of rows in memory at a time, never the table.
 *
 * ```
 * transactions:  a(10:00, acc 1, tx 7)  b(10:05)  c(10:20)
 * labels:        fraud of (acc 1, tx 7) at 10:10
 * stream:        a(fraud)  b  [L]c       L: the label event, before c (it was known by 10:20)
 * ```
 *
 * - Order: event time, then (at one time) label events before transactions, then partition,
 *   offset and topic: what `replayFeatures` asks (event-time order) and what a live stream holding
 *   both would show.
 * - A transaction is a fraud when it has a label of a fraud kind (`FRAUD_LABELS`) that no later
 *   `verdict-genuine` cleared (a verdict at the same instant does not clear it).
 * - A label event is a record of the label's transaction (its client, currency and terminal as
 *   stored) with `label` set and the label's time as timestamp, as `withDelayedLabels` makes them
 *   from a CSV; a label whose transaction is not stored is left out (no feature could count it),
 *   as are those after the last transaction (they come before no row).
 * - Records are numbered again in that merged order, as one partition holding both would number
 *   them (`withDelayedLabels` does the same): the rules tell records apart by their offsets.
 * - A stored row that no longer parses as a transaction (edited by hand, a schema that changed)
 *   ends the stream with an error naming its topic, partition and offset and the parser's reason:
 *   training without it would be training on another history than the one served.
 *
 * @example
 * trainFraud({ labelled$: fromStoredTransactions({ pool }), toStream: labelsFirst(), ... })
 */
import type pg from 'pg';
import { Observable } from 'rxjs';
import { VigieError } from '../../errors.ts';
import { parseTransactionMessage } from '../../operators/parseTransaction.ts';
import { FRAUD_LABELS } from '../../rules/labels.ts';
import type { LabelKind, Transaction, TransactionRecord } from '../../types.ts';
import type { LabelledTransaction } from '../paysim.ts';

/** The source the merged records are numbered in. */
export const STORED_HISTORY_SOURCE = 'postgres:transactions';

export interface StoredHistoryOptions {
  readonly pool: pg.Pool;
  /** Only what happened at or after this event time (epoch ms). */
  readonly since?: number;
  /** Only what happened before this event time (epoch ms). */
  readonly until?: number;
  /** Rows per FETCH (what is in memory at a time). */
  readonly batchRows?: number;
}

/**
 * One query: the stored transactions with their verdicts (a hash join with the labels grouped by
 * transaction), and the label events with their transactions' fields, sorted by the server.
 * $1: the fraud kinds, $2/$3: since/until (NULL for none).
 */
const HISTORY = `
WITH verdicts AS (
  SELECT account, transaction_id,
         max(labelled_at) FILTER (WHERE label = ANY($1::text[])) AS fraud_at,
         max(labelled_at) FILTER (WHERE label = 'verdict-genuine') AS genuine_at
  FROM labels GROUP BY account, transaction_id
), label_events AS (
  SELECT DISTINCT ON (l.id) l.labelled_at, l.topic, l.topic_partition, l.topic_offset, l.account, l.transaction_id, l.label,
         coalesce(t.input->>'terminal', l.terminal) AS terminal, t.input->>'id' AS client, t.input->>'currency' AS currency
  FROM labels l JOIN transactions t USING (account, transaction_id)
  WHERE ($2::timestamptz IS NULL OR l.labelled_at >= $2) AND ($3::timestamptz IS NULL OR l.labelled_at < $3)
  ORDER BY l.id, (t.event_time <= l.labelled_at) DESC, t.event_time DESC
)
SELECT 1 AS kind, t.event_time AS at, t.source, t.source_partition AS part, t.source_offset::text AS off, t.input::text AS input,
       (v.fraud_at IS NOT NULL AND (v.genuine_at IS NULL OR v.genuine_at <= v.fraud_at)) AS fraud,
       NULL::text AS account, NULL::text AS transaction_id, NULL::text AS label, NULL::text AS terminal, NULL::text AS client, NULL::text AS currency
FROM transactions t LEFT JOIN verdicts v USING (account, transaction_id)
WHERE ($2::timestamptz IS NULL OR t.event_time >= $2) AND ($3::timestamptz IS NULL OR t.event_time < $3)
UNION ALL
SELECT 0, labelled_at, topic, topic_partition, topic_offset::text, NULL, NULL, account, transaction_id::text, label, terminal, client, currency
FROM label_events
ORDER BY at, kind, part, off, source`;

interface HistoryRow {
  readonly kind: 0 | 1;
  readonly at: Date;
  readonly source: string;
  readonly part: number;
  readonly off: string;
  readonly input: string | null;
  readonly fraud: boolean | null;
  readonly account: string | null;
  readonly transaction_id: string | null;
  readonly label: LabelKind | null;
  readonly terminal: string | null;
  readonly client: string | null;
  readonly currency: string | null;
}

/**
 * The stored history, in event-time order, each transaction with its label and the label events
 * known by then (`labels`, for `labelsFirst`, src/operators/labelsFirst.ts).
 */
export function fromStoredTransactions(options: StoredHistoryOptions): Observable<LabelledTransaction> {
  const batch = options.batchRows ?? 5_000;
  const bound = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return new Observable<LabelledTransaction>((subscriber) => {
    let offset = 0;
    let labels: TransactionRecord[] = [];
    const numbered = (transaction: Transaction): TransactionRecord => ({ transaction, ref: { source: STORED_HISTORY_SOURCE, partition: 0, offset: offset++ } });
    const read = async (): Promise<void> => {
      const client = await options.pool.connect();
      let failure: unknown;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query(`DECLARE vigie_history NO SCROLL CURSOR FOR ${HISTORY}`, [[...FRAUD_LABELS], bound(options.since), bound(options.until)]);
        for (;;) {
          const { rows } = await client.query<HistoryRow>(`FETCH FORWARD ${batch} FROM vigie_history`);
          for (const row of rows) {
            if (subscriber.closed) return;
            if (row.kind === 0) labels.push(numbered(labelEvent(row)));
            else {
              subscriber.next({ record: numbered(storedTransaction(row)), fraud: row.fraud === true, ...(labels.length > 0 && { labels }) });
              labels = [];
            }
          }
          if (rows.length < batch || subscriber.closed) break;
        }
        await client.query('COMMIT');
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        if (failure !== undefined) await client.query('ROLLBACK').catch(() => {});
        client.release(failure instanceof VigieError || failure === undefined ? undefined : (failure as Error));
      }
    };
    read().then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error instanceof VigieError ? error : new VigieError('DATABASE_UNAVAILABLE', `reading the stored transactions: ${(error as Error)?.message ?? error}`, { where: { table: 'transactions' }, cause: error })),
    );
    return () => {
      labels = [];
    };
  });
}

/** A stored row's transaction, parsed as the flow parsed it; a row that no longer parses is an error naming it. */
function storedTransaction(row: HistoryRow): Transaction {
  const ref = { source: row.source, partition: row.part, offset: Number(row.off) };
  const parsed = parseTransactionMessage({ raw: row.input ?? '', ref, time: row.at.getTime() });
  if (!parsed.ok) {
    throw new VigieError('FILE_INVALID', `transactions: the row of ${ref.source}/${ref.partition} offset ${ref.offset} no longer parses as a transaction: ${parsed.dead.reason}`, {
      where: { table: 'transactions', source: ref.source, partition: ref.partition, offset: ref.offset },
    });
  }
  return parsed.value.transaction;
}

/** A label as the record of a label event: its transaction's client, currency and terminal, the label's time. */
function labelEvent(row: HistoryRow): Transaction {
  const client = Number(row.client);
  return {
    id: Number.isInteger(client) ? client : 0,
    transaction_id: Number(row.transaction_id),
    amount: 0,
    currency: row.currency ?? 'XAF',
    timestamp: row.at.toISOString(),
    account: row.account!,
    ...(row.terminal === null ? {} : { terminal: row.terminal }),
    label: row.label!,
  };
}
