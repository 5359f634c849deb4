import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { type SeriesWindow, seriesWarmUp } from '../../src/operators/seriesWarmUp.ts';
import { StateStore } from '../../src/state/stateStore.ts';
import type { Reading } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

let next = 0;
const reading = (key: string, value: number, partition = 0): Reading => {
  const offset = next++;
  return { topic: 'sensors', value, time: offset * 1000, ref: { source: 'sensors', partition, offset }, key };
};

describe('seriesWarmUp', () => {
  const [a1, b1, a2, a3] = [reading('a', 1), reading('b', 10), reading('a', 2), reading('a', 3)] as [Reading, Reading, Reading, Reading];

  it('warms up each series on its own (the doc example)', marbles((m) => {
    const source = m.cold('-w-x-y-z-|', { w: a1, x: b1, y: a2, z: a3 });
    m.expect(source.pipe(seriesWarmUp(2))).toBeObservable('-w-x-y-z-|', {
      w: { kind: 'filling', item: a1, fill: 0.5 },
      x: { kind: 'filling', item: b1, fill: 0.5 },
      y: { kind: 'window', item: a2, window: [a1, a2] },
      z: { kind: 'window', item: a3, window: [a2, a3] },
    });
  }));

  it('keeps partitions and topics apart', async () => {
    const other = { ...reading('a', 5, 1) };
    const otherTopic = { ...reading('a', 6), topic: 'other' };
    const out = await lastValueFrom(from([a1, other, otherTopic, a2]).pipe(seriesWarmUp(2), toArray()));
    expect(out.map((e) => e.kind)).toEqual(['filling', 'filling', 'filling', 'window']);
  });

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-w-#', { w: a1 }).pipe(seriesWarmUp(2))).toBeObservable('-w-#', { w: { kind: 'filling', item: a1, fill: 0.5 } });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-w-y-|', { w: a1, y: a2 });
    const subs = /*    */ '^-!';
    m.expect(source.pipe(seriesWarmUp(2)), subs).toBeObservable('-w-', { w: { kind: 'filling', item: a1, fill: 0.5 } });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(seriesWarmUp(3), (i) => reading('e', i), 4);
    expect(outputs.map((e) => e.kind)).toEqual(['filling', 'filling', 'window', 'window']);
    expect(produced).toBe(4);
  });

  it('continues from a store restored with what another run wrote: the same windows, no second warm-up', async () => {
    const series = Array.from({ length: 30 }, (_, i) => reading('s', i));
    const whole = await lastValueFrom(from(series).pipe(seriesWarmUp(21), toArray()));
    const first = new StateStore<SeriesWindow>('w');
    await lastValueFrom(from(series.slice(0, 12)).pipe(seriesWarmUp(21, first), toArray()));
    // as a checkpoint writes it (JSON) and a restore reads it
    const restored = new StateStore<SeriesWindow>('w');
    restored.restore('sensors', 0, JSON.parse(JSON.stringify([...first.partition('sensors', 0).entries()])));
    const rest = await lastValueFrom(from(series.slice(12)).pipe(seriesWarmUp(21, restored), toArray()));
    expect(rest).toEqual(whole.slice(12));
  });

  it('takes a partition restored while it runs from the store, not from the readings it held', () => {
    const store = new StateStore<SeriesWindow>('w');
    const readings = new Subject<Reading>();
    const windows: number[][] = [];
    readings.pipe(seriesWarmUp(3, store)).subscribe((e) => e.kind === 'window' && windows.push(e.window.map((r) => r.value)));
    const at = (value: number, offset: number): Reading => ({ topic: 't', value, time: offset, ref: { source: 't', partition: 0, offset } });
    [1, 2, 3].forEach((v, i) => readings.next(at(v, i)));
    // as after a move: what another process wrote for offsets 0-9
    store.restore('t', 0, [[JSON.stringify(['t', null]), { seen: 3, recent: [{ value: 8, time: 8, offset: 8 }, { value: 9, time: 9, offset: 9 }] }]]);
    readings.next(at(10, 10));
    expect(windows).toEqual([[1, 2, 3], [8, 9, 10]]);
  });

  it('keeps no history without a checkpointed store: its memory stays that of the windows, however long it runs', () => {
    // `vigie start` (a serial port, no checkpoints) once kept every reading's window in a
    // changelog nobody took: about 600 bytes a reading, 600 MB a million.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = (): number => (gc(), process.memoryUsage().heapUsed);
    const readings = new Subject<Reading>();
    let windows = 0;
    const subscription = readings.pipe(seriesWarmUp(21)).subscribe((e) => (windows += e.kind === 'window' ? 1 : 0));
    const feed = (from: number, to: number): void => {
      for (let i = from; i < to; i++) readings.next({ topic: 't', value: i % 7, time: i, ref: { source: 't', partition: 0, offset: i } });
    };
    feed(0, 1_000);
    const before = heap();
    feed(1_000, 201_000);
    const grown = heap() - before;
    subscription.unsubscribe();
    expect(windows).toBe(201_000 - 20);
    expect(grown).toBeLessThan(10e6);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => seriesWarmUp(0)).toThrow(/size must be an integer >= 1, got 0/);
  });
});
