/**
 * Acknowledges each input once every durable row derived from it is written: the rule that turns
 * Kafka's at-least-once delivery into exactly-once results (with sinks idempotent on the input's
 * source coordinates). An input that yields nothing is acknowledged at once, or its partition's
 * commits would stall behind it.
 */
import type { SourceRef, Written } from '../types.ts';

const keyOf = (ref: SourceRef): string => `${ref.source}\u0000${ref.partition}\u0000${ref.offset}`;

export class Acknowledgements {
  private readonly acks = new Map<string, () => void>();
  private readonly remaining = new Map<string, number>();

  /** An input has arrived; `ack` is called once everything derived from it is written. */
  received(ref: SourceRef, ack: () => void): void {
    this.acks.set(keyOf(ref), ack);
  }

  /** `count` durable outputs derived from this input are on their way (0: none, ack now). */
  expect(ref: SourceRef, count: number): void {
    const key = keyOf(ref);
    const left = (this.remaining.get(key) ?? 0) + count;
    if (left > 0) this.remaining.set(key, left);
    else this.done(key);
  }

  /** A durable sink reports these items written. */
  written(report: Written<{ readonly ref: SourceRef }>): void {
    for (const item of report.items) {
      const key = keyOf(item.ref);
      const left = (this.remaining.get(key) ?? 1) - 1;
      if (left > 0) this.remaining.set(key, left);
      else this.done(key);
    }
  }

  /** Inputs received and not yet acknowledged. */
  get pending(): number {
    return this.acks.size;
  }

  private done(key: string): void {
    this.remaining.delete(key);
    const ack = this.acks.get(key);
    this.acks.delete(key);
    ack?.();
  }
}
