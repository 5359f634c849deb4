/**
 * The commit rule of the Kafka source, without a broker: commits never jump a gap in the
 * acknowledgements, whatever order they arrive in, and a revoked partition is never committed.
 */
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/adapters/kafka/offsetTracker.ts';

const T = 'tx';

function trackRange(tracker: OffsetTracker, partition: number, from: number, to: number): void {
  for (let o = from; o <= to; o += 1) tracker.track(T, partition, o);
}

describe('OffsetTracker', () => {
  it('commits nothing until the first tracked offset is acknowledged', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 0, 4);
    tracker.ack(T, 0, 1);
    tracker.ack(T, 0, 2);
    expect(tracker.committable()).toEqual([]);
    tracker.ack(T, 0, 0);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 3 }]);
  });

  it('never jumps a gap, whatever order the acknowledgements arrive in', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 0, 99);
    const order = [...Array(100).keys()].sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101));
    const acked = new Set<number>();
    for (const offset of order) {
      tracker.ack(T, 0, offset);
      acked.add(offset);
      let contiguous = 0;
      while (acked.has(contiguous)) contiguous += 1;
      const expected = contiguous === 0 ? [] : [{ topic: T, partition: 0, offset: contiguous }];
      expect(tracker.committable()).toEqual(expected);
    }
  });

  it('offers a commit only when it advanced since the last markCommitted', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 10, 12);
    tracker.ack(T, 0, 10);
    const first = tracker.committable();
    expect(first).toEqual([{ topic: T, partition: 0, offset: 11 }]);
    tracker.markCommitted(first);
    expect(tracker.committable()).toEqual([]);
    tracker.ack(T, 0, 12);
    expect(tracker.committable()).toEqual([]);
    tracker.ack(T, 0, 11);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 13 }]);
  });

  it('keeps partitions and topics apart', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 0, 2);
    trackRange(tracker, 1, 0, 2);
    tracker.track('other', 0, 7);
    tracker.ack(T, 1, 0);
    tracker.ack(T, 1, 1);
    tracker.ack('other', 0, 7);
    expect(tracker.committable()).toEqual([
      { topic: T, partition: 1, offset: 2 },
      { topic: 'other', partition: 0, offset: 8 },
    ]);
  });

  it('treats a second acknowledgement, or one of an untracked offset, as nothing', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 0, 2);
    tracker.ack(T, 0, 0);
    tracker.ack(T, 0, 0);
    tracker.ack(T, 0, 42);
    tracker.ack(T, 9, 0);
    expect(tracker.inFlight).toBe(2);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 1 }]);
  });

  it('counts records in flight over all partitions', () => {
    const tracker = new OffsetTracker();
    expect(tracker.inFlight).toBe(0);
    trackRange(tracker, 0, 0, 9);
    trackRange(tracker, 1, 0, 4);
    expect(tracker.inFlight).toBe(15);
    tracker.ack(T, 0, 5);
    tracker.ack(T, 1, 0);
    expect(tracker.inFlight).toBe(13);
    for (let o = 0; o < 10; o += 1) tracker.ack(T, 0, o);
    expect(tracker.inFlight).toBe(4);
  });

  it('forgets revoked partitions: no commit, no count, acks ignored', () => {
    const tracker = new OffsetTracker();
    trackRange(tracker, 0, 0, 4);
    trackRange(tracker, 1, 0, 4);
    tracker.ack(T, 0, 0);
    tracker.ack(T, 1, 0);
    tracker.revoke([{ topic: T, partition: 1 }]);
    expect(tracker.inFlight).toBe(4);
    expect(tracker.lastTracked(T, 1)).toBeUndefined();
    tracker.ack(T, 1, 1);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 1 }]);
    tracker.markCommitted([{ topic: T, partition: 1, offset: 5 }]);
    expect(tracker.partitions()).toEqual([{ topic: T, partition: 0 }]);
    // Assigned again later, the partition starts afresh from wherever it is read.
    tracker.track(T, 1, 3);
    tracker.ack(T, 1, 3);
    expect(tracker.committable()).toContainEqual({ topic: T, partition: 1, offset: 4 });
  });

  it('commits after the last contiguous tracked offset when offsets have gaps', () => {
    // Compacted topics and transaction markers leave holes: 3, 4 and 8 are never delivered.
    const tracker = new OffsetTracker();
    for (const o of [0, 1, 2, 5, 6, 7, 9]) tracker.track(T, 0, o);
    for (const o of [0, 1, 2, 5]) tracker.ack(T, 0, o);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 6 }]);
    tracker.ack(T, 0, 7);
    tracker.ack(T, 0, 9);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 6 }]);
    tracker.ack(T, 0, 6);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: 10 }]);
  });

  it('refuses offsets tracked out of order, which would make commits lie', () => {
    const tracker = new OffsetTracker();
    tracker.track(T, 0, 5);
    expect(() => tracker.track(T, 0, 5)).toThrow(RangeError);
    expect(() => tracker.track(T, 0, 4)).toThrow(RangeError);
    expect(tracker.lastTracked(T, 0)).toBe(5);
  });

  it('stays linear over a long run of out-of-order acknowledgements', () => {
    const tracker = new OffsetTracker();
    const n = 200_000;
    const started = performance.now();
    for (let o = 0; o < n; o += 1) {
      tracker.track(T, 0, o);
      // Acknowledge in pairs, the later one first, lagging 100 behind.
      if (o >= 100 && o % 2 === 1) {
        tracker.ack(T, 0, o - 100);
        tracker.ack(T, 0, o - 101);
      }
    }
    expect(tracker.inFlight).toBe(100);
    expect(tracker.committable()).toEqual([{ topic: T, partition: 0, offset: n - 100 }]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
