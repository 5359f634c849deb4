/**
 * `fromKafka`'s `eachBatch`: emits a batch's records one at a time, each once per assignment,
 * after its partition's state is loaded, and waits (heartbeating) while the {@link Backpressure}
 * says too many are in flight. Records below the offset the state covers are in the state and
 * their results written: they are tracked and acknowledged without being emitted. It counts the
 * handlers running so that a stop can let them return before its last commit.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Backpressure } from './backpressure.ts';
import type { OffsetTracker } from './offsetTracker.ts';
import type { PartitionStates } from './partitionStates.ts';

export interface BatchHandlerOptions {
  readonly tracker: OffsetTracker;
  readonly states: PartitionStates;
  readonly backpressure: Backpressure;
  /** Commits what the tracker allows; awaited when a heartbeat reports a rebalance. */
  readonly commit: () => Promise<void>;
  /** The current consumer's `seek`. */
  readonly seek: (topic: string, partition: number, offset: number) => void;
  readonly stopping: () => boolean;
  /** The partition was lost (a fence refused its commit): nothing more of it is emitted. */
  readonly lost?: (topic: string, partition: number) => boolean;
  readonly emit: (topic: string, partition: number, offset: number, message: KafkaMessage) => void;
  /** Acknowledges a record skipped (in the state already); by default `tracker.ack`. */
  readonly ack?: (topic: string, partition: number, offset: number) => void;
  readonly onLag?: (topic: string, partition: number, lag: number) => void;
}

export interface BatchHandler {
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /** Resolves once no handler is running. */
  returned(): Promise<void>;
}

export function createBatchHandler({ tracker, states, backpressure, commit, seek, stopping, lost = () => false, emit, onLag, ack = (t, p, o) => tracker.ack(t, p, o) }: BatchHandlerOptions): BatchHandler {
  let batches = 0;
  let batchesDone: (() => void) | undefined;
  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const { topic, partition } = batch;
    let resolved: string | undefined;
    batches += 1;
    try {
      if (lost(topic, partition)) return;
      const first = batch.messages[0];
      const before = await states.beforeBatch(
        { topic, partition },
        first === undefined ? undefined : Number(first.offset),
        tracker.lastTracked(topic, partition) === undefined,
        (offset) => seek(topic, partition, offset),
      );
      if (!before.go) return;
      const { covered } = before;
      // kafkajs reads the resolved offset and a seek only between batches, and a seek comes
      // only between our awaits: both once per batch and per wait, not per record, which
      // saves a Long parse and a map lookup on every record.
      if (isStale() || lost(topic, partition)) return;
      for (const message of batch.messages) {
        if (backpressure.full()) {
          while (backpressure.aboveLowWater() && !stopping()) {
            await backpressure.drained();
            try {
              await heartbeat();
            } catch (error) {
              await commit(); // a rebalance: still the old generation, so this commit counts
              throw error;
            }
          }
          if (isStale() || lost(topic, partition)) return;
        }
        if (stopping() || !isRunning()) return;
        const offset = Number(message.offset);
        const last = tracker.lastTracked(topic, partition);
        if (covered !== undefined && offset < covered && (last === undefined || offset > last)) {
          // in the state already, and its results written: done
          tracker.track(topic, partition, offset);
          ack(topic, partition, offset);
        } else if (last === undefined || offset > last) {
          tracker.track(topic, partition, offset);
          // once per 100 records and at a batch's last: a gauge, not worth a lookup per record
          if (offset % 100 === 0 || message === batch.messages[batch.messages.length - 1]) {
            onLag?.(topic, partition, Math.max(0, Number(batch.highWatermark) - 1 - offset));
          }
          emit(topic, partition, offset, message);
        }
        resolved = message.offset;
      }
    } finally {
      if (resolved !== undefined) resolveOffset(resolved);
      batches -= 1;
      if (batches === 0) batchesDone?.();
    }
  };
  return {
    eachBatch,
    returned: () => (batches > 0 ? new Promise<void>((resolve) => (batchesDone = resolve)) : Promise.resolve()),
  };
}
