/**
 * fromKafka's backpressure on its own: when the batch handler must wait, and that acknowledgements
 * (not the slice's timer, set here far beyond the test's timeout) wake it.
 */
import { describe, expect, it } from 'vitest';
import { checkWaterMarks, createBackpressure } from '../../../src/adapters/kafka/backpressure.ts';
import { OffsetTracker } from '../../../src/adapters/kafka/offsetTracker.ts';

const NEVER = 2 ** 31 - 1; // the longest setTimeout: only a wake can end these waits

function withInFlight(n: number) {
  const tracker = new OffsetTracker();
  for (let offset = 0; offset < n; offset++) tracker.track('t', 0, offset);
  return tracker;
}

describe('createBackpressure', () => {
  it('is full at maxInFlight, and keeps waiting above lowWater', () => {
    const tracker = withInFlight(3);
    const backpressure = createBackpressure({ tracker, maxInFlight: 4, lowWater: 2, sliceMs: NEVER });
    expect([backpressure.full(), backpressure.aboveLowWater()]).toEqual([false, true]);
    tracker.track('t', 0, 3);
    expect(backpressure.full()).toBe(true);
    tracker.ack('t', 0, 0);
    tracker.ack('t', 0, 1);
    expect([backpressure.full(), backpressure.aboveLowWater()]).toEqual([false, false]);
  });

  it('wakes a waiting handler once acknowledgements bring it to lowWater, not before', async () => {
    const tracker = withInFlight(4);
    const backpressure = createBackpressure({ tracker, maxInFlight: 4, lowWater: 2, sliceMs: NEVER });
    let woken = false;
    const waiting = backpressure.drained().then(() => (woken = true));
    tracker.ack('t', 0, 0);
    backpressure.settled();
    await Promise.resolve();
    expect(woken).toBe(false); // 3 in flight, above lowWater
    tracker.ack('t', 0, 1);
    backpressure.settled();
    await waiting;
    expect(woken).toBe(true);
  });

  it('wakes a waiting handler at stop', async () => {
    const backpressure = createBackpressure({ tracker: withInFlight(4), maxInFlight: 4, lowWater: 2, sliceMs: NEVER });
    const waiting = backpressure.drained();
    backpressure.stop();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('ends the wait for idle when the last record in flight is acknowledged or revoked', async () => {
    const tracker = withInFlight(2);
    const backpressure = createBackpressure({ tracker, maxInFlight: 4, lowWater: 2, sliceMs: NEVER });
    const idle = backpressure.idle(NEVER);
    tracker.ack('t', 0, 0);
    tracker.revoke([{ topic: 't', partition: 0 }]);
    backpressure.settled();
    await expect(idle).resolves.toBeUndefined();
    await expect(backpressure.idle(NEVER)).resolves.toBeUndefined(); // nothing in flight: at once
  });

  it('refuses water marks that cannot work', () => {
    expect(() => checkWaterMarks(0, 0)).toThrow('fromKafka: maxInFlight must be an integer >= 1, got 0');
    expect(() => checkWaterMarks(10, 10)).toThrow('fromKafka: lowWater must be in [0, maxInFlight), got 10');
    expect(() => checkWaterMarks(10, 5)).not.toThrow();
  });
});
