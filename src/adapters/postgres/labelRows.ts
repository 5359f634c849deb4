/**
 * The labels of one batch of the labels topic, their dead letters and the partition's next offset,
 * written in one PostgreSQL transaction (offsets stored beside the rows, as the suspicious
 * transactions' are): a restart reads the offset from here, and a label already stored (a replay,
 * or the same label sent twice) is kept once by the unique key.
 *
 * ```
 * BEGIN
 *   INSERT INTO labels … ON CONFLICT DO NOTHING            the batch's labels, one statement
 *   INSERT INTO dead_letters … ON CONFLICT DO NOTHING      records that are not labels, exact bytes
 *   upsert vigie_output_offsets (group, topic, partition)  GREATEST(stored, next)
 * COMMIT
 * ```
 */
import type pg from 'pg';
import { inTransaction } from '../../pgTransaction.ts';
import type { Label } from '../kafka/labelRecord.ts';
import type { DeadLetter } from '../../types.ts';
import { deadLettersTable } from './tables.ts';

const INSERT_LABELS = `INSERT INTO labels (transaction_id, account, label, labelled_at, source, terminal, topic, topic_partition, topic_offset)
  SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::int4[], $9::int8[])
  ON CONFLICT (account, transaction_id, label, source) DO NOTHING`;

const STORE_OFFSET = `INSERT INTO vigie_output_offsets (consumer_group, topic, source_partition, next_offset) VALUES ($1, $2, $3, $4)
  ON CONFLICT (consumer_group, topic, source_partition) DO UPDATE SET next_offset = GREATEST(vigie_output_offsets.next_offset, EXCLUDED.next_offset), written_at = now()`;

const READ_OFFSET = 'SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2 AND source_partition = $3';

/** What one transaction wrote: labels new to the table (a replayed one is not counted). */
export interface LabelsWritten {
  readonly labels: number;
  readonly deadLetters: number;
}

/**
 * Writes a batch of one partition: its labels, its dead letters, and `nextOffset` as the
 * partition's offset of `group`, all or nothing.
 */
export async function writeLabels(
  pool: pg.Pool,
  where: { readonly group: string; readonly topic: string; readonly partition: number; readonly nextOffset: number },
  labels: readonly Label[],
  deadLetters: readonly DeadLetter[],
): Promise<LabelsWritten> {
  return inTransaction(pool, async (client) => {
    let written = 0;
    if (labels.length > 0) {
      const result = await client.query(INSERT_LABELS, [
        labels.map((l) => l.transaction_id),
        labels.map((l) => l.account),
        labels.map((l) => l.label),
        labels.map((l) => new Date(l.at).toISOString()),
        labels.map((l) => l.source),
        labels.map((l) => l.terminal ?? null),
        labels.map((l) => l.ref.source),
        labels.map((l) => l.ref.partition),
        labels.map((l) => l.ref.offset),
      ]);
      written = result.rowCount ?? 0;
    }
    if (deadLetters.length > 0) await client.query(deadLettersTable.sql, deadLettersTable.params(deadLetters));
    await client.query(STORE_OFFSET, [where.group, where.topic, where.partition, where.nextOffset]);
    return { result: { labels: written, deadLetters: deadLetters.length }, commit: true };
  });
}

/** The partition's next offset stored by {@link writeLabels}, if any. */
export async function storedLabelOffset(pool: pg.Pool, group: string, topic: string, partition: number): Promise<number | undefined> {
  const { rows } = await pool.query<{ next_offset: string }>(READ_OFFSET, [group, topic, partition]);
  return rows[0] === undefined ? undefined : Number(rows[0].next_offset);
}
