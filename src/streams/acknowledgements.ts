/**
 * Acknowledges each input once every durable row derived from it is written: the rule that turns
 * Kafka's at-least-once delivery into exactly-once results (with sinks idempotent on the input's
 * source coordinates). An input that yields nothing is acknowledged at once, or its partition's
 * commits would stall behind it.
 *
 * Inputs are found by source, then partition, then offset, in nested maps: on the hot path of
 * every record, a key string built per lookup cost more than the rest of the bookkeeping.
 */
import type { SourceRef, Written } from '../types.ts';

interface Pending {
  ack: (() => void) | undefined;
  /** Durable outputs still to be written; 0 until they are announced. */
  remaining: number;
}

export class Acknowledgements {
  private readonly sources = new Map<string, Map<number, Map<number, Pending>>>();
  private count = 0;

  /** An input has arrived; `ack` is called once everything derived from it is written. */
  received(ref: SourceRef, ack: () => void): void {
    this.entry(ref).ack = ack;
  }

  /** `count` durable outputs derived from this input are on their way (0: none, ack now). */
  expect(ref: SourceRef, count: number): void {
    const pending = this.entry(ref);
    pending.remaining += count;
    if (pending.remaining <= 0) this.done(ref, pending);
  }

  /** A durable sink reports these items written. */
  written(report: Written<{ readonly ref: SourceRef }>): void {
    for (const { ref } of report.items) {
      const pending = this.entry(ref);
      pending.remaining = (pending.remaining > 0 ? pending.remaining : 1) - 1;
      if (pending.remaining <= 0) this.done(ref, pending);
    }
  }

  /** Inputs received and not yet acknowledged. */
  get pending(): number {
    return this.count;
  }

  private entry(ref: SourceRef): Pending {
    let partitions = this.sources.get(ref.source);
    if (partitions === undefined) this.sources.set(ref.source, (partitions = new Map()));
    let offsets = partitions.get(ref.partition);
    if (offsets === undefined) partitions.set(ref.partition, (offsets = new Map()));
    let pending = offsets.get(ref.offset);
    if (pending === undefined) {
      offsets.set(ref.offset, (pending = { ack: undefined, remaining: 0 }));
      this.count++;
    }
    return pending;
  }

  private done(ref: SourceRef, pending: Pending): void {
    this.sources.get(ref.source)?.get(ref.partition)?.delete(ref.offset);
    this.count--;
    pending.ack?.();
  }
}
