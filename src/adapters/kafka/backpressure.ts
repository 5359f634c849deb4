/**
 * `fromKafka`'s backpressure: records emitted and not yet acknowledged are counted by the
 * {@link OffsetTracker}; once `maxInFlight` are, the batch handler waits until `lowWater` or fewer
 * remain. kafkajs prefetches a whole fetch response, so pausing partitions would still hand out
 * the batch already fetched: waiting in the handler is what bounds what is emitted. The wait
 * wakes every `sliceMs` so the handler can heartbeat, and at once when the source stops.
 */
import type { OffsetTracker } from './offsetTracker.ts';

export interface BackpressureOptions {
  readonly tracker: OffsetTracker;
  readonly maxInFlight: number;
  readonly lowWater: number;
  /** How often a handler waiting for acknowledgements wakes (to heartbeat). */
  readonly sliceMs: number;
  /**
   * What is counted against the marks; by default the records not acknowledged. A source whose
   * commit writes the outputs counts those not committed ({@link OffsetTracker.uncommitted}).
   */
  readonly count?: () => number;
}

export interface Backpressure {
  /** The next record must wait: `maxInFlight` are unacknowledged. */
  full(): boolean;
  /** More than `lowWater` are unacknowledged: keep waiting. */
  aboveLowWater(): boolean;
  /** Resolves once `lowWater` or fewer are in flight, after a slice, or at `stop`. */
  drained(): Promise<void>;
  /** After acknowledgements or revoked partitions: wakes the waiters that may go on. */
  settled(): void;
  /** Resolves once nothing is in flight, or after `ms`. */
  idle(ms: number): Promise<void>;
  /** Wakes a handler waiting, for it to return. */
  stop(): void;
}

/** Throws a RangeError unless `1 <= maxInFlight` (an integer) and `0 <= lowWater < maxInFlight`. */
export function checkWaterMarks(maxInFlight: number, lowWater: number): void {
  if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) {
    throw new RangeError(`fromKafka: maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  }
  if (!(lowWater >= 0 && lowWater < maxInFlight)) throw new RangeError(`fromKafka: lowWater must be in [0, maxInFlight), got ${lowWater}`);
}

export function createBackpressure({ tracker, maxInFlight, lowWater, sliceMs, count = () => tracker.inFlight }: BackpressureOptions): Backpressure {
  checkWaterMarks(maxInFlight, lowWater);
  let wake: (() => void) | undefined;
  let idle: (() => void) | undefined;
  return {
    full: () => count() >= maxInFlight,
    aboveLowWater: () => count() > lowWater,
    drained: () =>
      new Promise((resolve) => {
        const t = setTimeout(done, sliceMs);
        function done(): void {
          clearTimeout(t);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    settled() {
      const n = count();
      if (n <= lowWater) wake?.();
      if (n === 0) idle?.();
    },
    idle: (ms) =>
      count() === 0 || ms <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const t = setTimeout(resolve, ms);
            idle = () => {
              clearTimeout(t);
              resolve();
            };
          }),
    stop: () => wake?.(),
  };
}
