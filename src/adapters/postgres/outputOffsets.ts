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

/** The first write of a partition's offset: refused (no row) when another process wrote one meanwhile. */
export const FIRST = `INSERT INTO vigie_output_offsets (consumer_group, topic, source_partition, next_offset)
  VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`;

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
   * Moves the partition's offset to `next` inside the caller's transaction; false when the fence
   * refuses (another process wrote it since this one read it). {@link committed} once the
   * transaction commits.
   */
  async advanceIn(client: pg.ClientBase, { topic, partition }: TopicPartition, next: number): Promise<boolean> {
    const known = this.partitions.get(topic)?.get(partition);
    if (known === undefined) return false;
    const { rowCount } = known.stored === undefined
      ? await client.query(FIRST, [this.group, topic, partition, next])
      : await client.query(ADVANCE, [this.group, topic, partition, next, known.stored]);
    return rowCount === 1;
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
