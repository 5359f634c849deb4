/**
 * The watermark of an operator fed by several source partitions: the minimum of its partitions'
 * watermarks, leaving out a partition idle for longer than `idleMs` of processing time (Flink's
 * `withIdleness`, Kafka Streams' `max.task.idle.ms`), so that one quiet partition does not hold
 * the others back for ever. An idle partition counts again from its next record.
 *
 * vigie's rules decide with each partition's own watermark (every key lives in one partition),
 * so that no decision depends on how fast the other partitions are read; this one says how far
 * event time has got as a whole: `/metrics` shows it, as `vigie_watermark_seconds`.
 */
export interface PartitionRef {
  readonly source: string;
  readonly partition: number;
}

export class Watermarks {
  private readonly partitions = new Map<string, { watermark: number; seen: number }>();

  constructor(
    private readonly idleMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The partition's watermark moved to `watermark` (epoch ms). */
  advance(ref: PartitionRef, watermark: number): void {
    const id = `${ref.source}\u0000${ref.partition}`;
    const entry = this.partitions.get(id);
    if (entry === undefined) this.partitions.set(id, { watermark, seen: this.now() });
    else {
      entry.watermark = Math.max(entry.watermark, watermark);
      entry.seen = this.now();
    }
  }

  /** The partition's watermark, undefined until a record moved it in this process (a restored one is not seen here). */
  of(ref: PartitionRef): number | undefined {
    return this.partitions.get(`${ref.source}\u0000${ref.partition}`)?.watermark;
  }

  /** A partition had a record (its watermark may not have moved): it is active. */
  touch(ref: PartitionRef): void {
    const entry = this.partitions.get(`${ref.source}\u0000${ref.partition}`);
    if (entry !== undefined) entry.seen = this.now();
  }

  /** The partition went to another process. */
  forget(ref: PartitionRef): void {
    this.partitions.delete(`${ref.source}\u0000${ref.partition}`);
  }

  /** The minimum over the active partitions; when all are idle, the highest (nothing holds it back); undefined before any. */
  current(): number | undefined {
    const now = this.now();
    let active: number | undefined;
    let any: number | undefined;
    for (const { watermark, seen } of this.partitions.values()) {
      any = any === undefined ? watermark : Math.max(any, watermark);
      if (now - seen <= this.idleMs) active = active === undefined ? watermark : Math.min(active, watermark);
    }
    return active ?? any;
  }
}
