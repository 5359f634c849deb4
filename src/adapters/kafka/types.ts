/**
 * What a Kafka source emits: the record with its coordinates, and the way to say it is done.
 */
import type { SourceRef } from '../../types.ts';

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; below 2^53 (always, in practice) a number is exact. */
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The record's timestamp (epoch ms), as the producer or the broker set it. */
  readonly timestamp: number;
  /** `{ source: topic, partition, offset }`: the unique key of whatever is derived from it. */
  readonly ref: SourceRef;
  /**
   * Everything derived from this record is durably written (or it was deliberately dropped):
   * its offset may be committed once every earlier offset of its partition is acknowledged too.
   * Idempotent: a second call does nothing.
   */
  ack(): void;
}
