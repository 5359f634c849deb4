import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Scorer, scored } from '../../src/detectors/seriesDetector.ts';
import { type SeriesDetectorState, seriesDetect } from '../../src/operators/seriesDetect.ts';
import { StateStore } from '../../src/state/stateStore.ts';
import type { Detection, Reading, State } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

/** Learns from its series' first reading, then scores each value by its distance to the last one, over 10. */
const jump = (last: number | null = null): Scorer<{ last: number | null }> => ({
  update(value) {
    const score = last === null ? null : Math.min(1, Math.abs(value - last) / 10);
    last = value;
    return score;
  },
  get fill() {
    return 0.5;
  },
  snapshot: () => ({ last }),
});
const kind = scored('jump', 0.5, () => jump(), (s) => jump(s.last));

let next = 0;
const reading = (key: string, value: number, partition = 0): Reading => {
  const offset = next++;
  return { topic: 'sensors', value, time: offset, ref: { source: 'sensors', partition, offset }, key };
};
const detection = (r: Reading, state: State, score: number | null): Detection => ({
  topic: r.topic, value: r.value, time: r.time, state, detector: 'jump', score, fill: score === null ? 0.5 : 1, ref: r.ref,
});

describe('seriesDetect', () => {
  const [a1, b1, a2] = [reading('a', 1), reading('b', 10), reading('a', 9)] as [Reading, Reading, Reading];

  it('keeps a detector per series (the doc example)', marbles((m) => {
    const source = m.cold('-x-y-z-|', { x: a1, y: b1, z: a2 });
    m.expect(source.pipe(seriesDetect({ jump: kind }))).toBeObservable('-x-y-z-|', {
      x: detection(a1, -2, null),
      y: detection(b1, -2, null),
      z: detection(a2, -1, 0.8),
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-x-#', { x: a1 }).pipe(seriesDetect({ jump: kind }))).toBeObservable('-x-#', { x: detection(a1, -2, null) });
  }));

  it('sends a throw of a detector to the subscriber as an error', marbles((m) => {
    const broken = scored('broken', 0.5, () => ({ update: () => { throw new RangeError('no'); }, fill: 0, snapshot: () => ({}) }), () => jump());
    m.expect(m.cold('-x-|', { x: a1 }).pipe(seriesDetect({ broken }))).toBeObservable('-#', undefined, new RangeError('no'));
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-x-z-|', { x: a1, z: a2 });
    const subs = /*    */ '^-!';
    m.expect(source.pipe(seriesDetect({ jump: kind })), subs).toBeObservable('-x-', { x: detection(a1, -2, null) });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(seriesDetect({ jump: kind }), (i) => reading('e', i), 3);
    expect(outputs.map((d) => d.state)).toEqual([-2, 1, 1]);
    expect(produced).toBe(3);
  });

  it('writes each series as its snapshot at a checkpoint, and carries on from a restored one', async () => {
    const series = [1, 2, 9, 9, 3].map((v) => reading('s', v));
    const whole = await lastValueFrom(from(series).pipe(seriesDetect({ jump: kind }), toArray()));
    const store = new StateStore<SeriesDetectorState>('d');
    const readings = new Subject<Reading>();
    readings.pipe(seriesDetect({ jump: kind }, store)).subscribe();
    series.slice(0, 2).forEach((r) => readings.next(r));
    const [written] = store.snapshot([{ topic: 'sensors', partition: 0, offset: 2 }]);
    readings.next(series[2]!); // after the checkpoint's position: not in what it wrote
    const key = JSON.stringify(['sensors', 's', 'jump']);
    expect(written!.changes.get(key)).toEqual({ last: 2 });
    const restored = new StateStore<SeriesDetectorState>('d');
    restored.restore('sensors', 0, JSON.parse(JSON.stringify([...written!.changes])));
    const rest = await lastValueFrom(from(series.slice(2)).pipe(seriesDetect({ jump: kind }, restored), toArray()));
    expect(rest).toEqual(whole.slice(2));
  });
});
