/**
 * Each source partition's output offset in PostgreSQL (`vigie_output_offsets`): the next offset
 * whose outputs are not in the tables, written in the transaction that writes the rows below it.
 *
 * - Read on assignment in the transaction that reads the partition's state (one moment): records
 *   from the state's offset up to this one rebuild the state, their outputs already stored
 *   (`replayed`).
 * - Written as a fence: a compare-and-set from the value this process last read or wrote. A
 *   process that lost the partition without knowing it yet (a zombie) finds another value there
 *   and its transaction is refused: rows are never written twice, nor below another owner's.
 */
import type pg from 'pg';
import type { TopicPartition } from '../kafka/offsetTracker.ts';

const READ = 'SELECT next_offset FROM vigie_output_offsets WHERE consumer_group = $1 AND topic = $2 AND source_partition = $3';

/**
 * The fence: moves the offset only from the value expected; no row when another wrote it. Never
 * back: records read again after a restore (from the state's offset) commit positions below it.
 */
export const ADVANCE = `UPDATE vigie_output_offsets SET next_offset = GREATEST(next_offset, $4), written_at = now()
  WHERE consumer_group = $1 AND topic = $2 AND source_partition = $3 AND next_offset = $5`;

/**
 * {@link ADVANCE} for several partitions in one statement: one round trip per transaction, not one
 * per partition (six at 5 000/s on six partitions, each a round trip the next rows waited for).
 * Two processes write the same partitions only when one is a zombie; a deadlock between them
 * (SQLSTATE 40P01) rolls one back, and a rolled-back transaction is retried (outputTransaction.ts).
 */
export const ADVANCE_ALL = `UPDATE vigie_output_offsets o SET next_offset = GREATEST(o.next_offset, p.next_offset), written_at = now()
  FROM unnest($2::text[], $3::int4[], $4::int8[], $5::int8[]) AS p(topic, source_partition, next_offset, expected)
  WHERE o.consumer_group = $1 AND o.topic = p.topic AND o.source_partition = p.source_partition AND o.next_offset = p.expected
  RETURNING o.topic, o.source_partition`;

/** The first write of partitions' offsets: a partition not returned was written by another process meanwhile. */
export const FIRST_ALL = `INSERT INTO vigie_output_offsets (consumer_group, topic, source_partition, next_offset)
  SELECT $1, p.topic, p.source_partition, p.next_offset FROM unnest($2::text[], $3::int4[], $4::int8[]) AS p(topic, source_partition, next_offset)
  ON CONFLICT DO NOTHING RETURNING topic, source_partition`;

interface Known {
  /** The stored value as this process last read or wrote it; undefined: no row. */
  stored: number | undefined;
  /** Outputs of records below this offset were written before the restore: dropped. */
  readonly replayTo: number | undefined;
}

export class OutputOffsets {
  private readonly partitions = new Map<string, Map<number, Known>>();

  constructor(readonly group: string) {}

  /** Reads the partition's offset inside the caller's transaction, and remembers it as the fence's expected value. */
  async readIn(client: pg.ClientBase, topic: string, partition: number): Promise<number | undefined> {
    const { rows } = await client.query<{ next_offset: string }>(READ, [this.group, topic, partition]);
    const stored = rows[0] === undefined ? undefined : Number(rows[0].next_offset);
    let byPartition = this.partitions.get(topic);
    if (byPartition === undefined) this.partitions.set(topic, (byPartition = new Map()));
    byPartition.set(partition, { stored, replayTo: stored });
    return stored;
  }

  /**
   * Whether the outputs of the record at `offset` are already stored (written before the last
   * restore): they are dropped, the record only rebuilds the state.
   */
  replayed(topic: string, partition: number, offset: number): boolean {
    const replayTo = this.partitions.get(topic)?.get(partition)?.replayTo;
    return replayTo !== undefined && offset < replayTo;
  }

  /**
   * The partition's current assignment here: a restore makes a new one, a revoke ends it. A
   * transaction asked under one writes nothing for the partition once it changed (see
   * outputTransaction.ts): its rows and positions were the old assignment's.
   */
  assignment(topic: string, partition: number): object | undefined {
    return this.partitions.get(topic)?.get(partition);
  }

  /** Whether the partition was restored here and not lost since: only then may it be written. */
  owns(topic: string, partition: number): boolean {
    return this.partitions.get(topic)?.get(partition) !== undefined;
  }

  /**
   * Moves each position's partition offset to its `offset` inside the caller's transaction, in
   * two statements at most (partitions written before, partitions never written); resolves to
   * the positions the fence refused (another process wrote them since this one read them).
   * {@link committed} once the transaction commits.
   */
  async advanceAllIn<P extends TopicPartition & { readonly offset: number }>(client: pg.ClientBase, positions: readonly P[]): Promise<P[]> {
    const fenced: P[] = [];
    const [advance, first]: [{ p: P; stored: number }[], P[]] = [[], []];
    for (const p of positions) {
      const known = this.partitions.get(p.topic)?.get(p.partition);
      if (known === undefined) fenced.push(p);
      else if (known.stored === undefined) first.push(p);
      else advance.push({ p, stored: known.stored });
    }
    const took = new Set<string>();
    const taken = (rows: { topic: string; source_partition: number }[]): void => rows.forEach((r) => took.add(`${r.source_partition}\u0000${r.topic}`));
    if (advance.length > 0) {
      const { rows } = await client.query<{ topic: string; source_partition: number }>(ADVANCE_ALL, [
        this.group,
        advance.map((a) => a.p.topic),
        advance.map((a) => a.p.partition),
        advance.map((a) => a.p.offset),
        advance.map((a) => a.stored),
      ]);
      taken(rows);
    }
    if (first.length > 0) {
      const { rows } = await client.query<{ topic: string; source_partition: number }>(FIRST_ALL, [this.group, first.map((p) => p.topic), first.map((p) => p.partition), first.map((p) => p.offset)]);
      taken(rows);
    }
    for (const p of [...advance.map((a) => a.p), ...first]) if (!took.has(`${p.partition}\u0000${p.topic}`)) fenced.push(p);
    return fenced;
  }

  /** The transaction that advanced these partitions committed: the next fence expects their new offsets. */
  committed(offsets: readonly { topic: string; partition: number; offset: number }[]): void {
    for (const { topic, partition, offset } of offsets) {
      const known = this.partitions.get(topic)?.get(partition);
      if (known !== undefined) known.stored = Math.max(known.stored ?? offset, offset);
    }
  }

  /** The partitions left this process (revoked, or fenced): read again if they come back. */
  forget(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.partitions.get(topic)?.delete(partition);
  }
}
