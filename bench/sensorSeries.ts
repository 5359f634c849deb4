/**
 * What a sensor series costs: `detect sensors` keeps a window per (topic, partition, key), so a
 * topic keyed by device holds one window per device. Measured in-process on the flow's per-series
 * detection (src/streams/sensorSeries.ts: `seriesWarmUp`, its windows in the state store that
 * `detect sensors` checkpoints), beside an RxJS pipeline per key (`perKey`, i.e. `groupBy`), in
 * the same run; and what a full window weighs in a checkpoint.
 */
import { Subject, type OperatorFunction, pipe } from 'rxjs';
import { dbscan } from '../src/operators/dbscan.ts';
import { perKey } from '../src/operators/perKey.ts';
import { warmUp } from '../src/operators/warmUp.ts';
import { seededRandom } from '../src/random.ts';
import type { SeriesWindow } from '../src/operators/seriesWarmUp.ts';
import { StateStore } from '../src/state/stateStore.ts';
import { detectPerSeries } from '../src/streams/sensorSeries.ts';
import type { Detection, Reading } from '../src/types.ts';
import type { Bench } from './section.ts';

const WINDOW = 21;
const MANY = { series: 50_000, readings: WINDOW - 1 };
const FEW = { series: 6, readings: 50_000 };

/** The store as checkpoints leave it: a snapshot of its changed keys taken every 10 000 readings. */
let store = new StateStore<SeriesWindow>('sensor-windows');
const checkpointed = (offset: number): void => {
  if (offset % 10_000 === 0) store.snapshot([0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 'humidite', partition, offset })));
};
const seriesOf = (r: Reading): string => JSON.stringify([r.topic, r.ref.partition, r.key ?? null]);

const ways: [string, () => OperatorFunction<Reading, Detection>][] = [
  ['seriesWarmUp, windows in the state store (vigie)', () => detectPerSeries({ window: WINDOW, isolationForest: false, store: (store = new StateStore('sensor-windows')) })],
  ['a pipeline per key (groupBy)', () => perKey(seriesOf, () => pipe(warmUp<Reading>(WINDOW), dbscan()))],
];

const heapMiB = (): number => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** Readings of `series` devices on one 6-partition topic, round after round; heap growth and rate. */
function run(way: () => OperatorFunction<Reading, Detection>, { series, readings }: { series: number; readings: number }) {
  const random = seededRandom(5);
  const input = new Subject<Reading>();
  let detections = 0;
  const subscription = input.pipe(way()).subscribe(() => detections++);
  const before = heapMiB();
  const started = performance.now();
  let offset = 0;
  for (let round = 0; round < readings; round++) {
    for (let s = 0; s < series; s++) {
      input.next({ topic: 'humidite', key: `device-${s}`, value: 50 + random.normal(), time: offset, ref: { source: 'humidite', partition: s % 6, offset: offset++ } });
      checkpointed(offset);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const held = heapMiB() - before; // while subscribed: the windows are still held
  subscription.unsubscribe();
  return { kibPerSeries: (held * 1024) / series, perSecond: offset / seconds, detections };
}

export const sensorSeriesBench: Bench = {
  name: 'sensor-series',
  async run() {
    const figures: Record<string, number | string> = {};
    const held: number[] = [];
    // JIT first, for both, so that neither pays for compiling DBSCAN
    for (const [, way] of ways) run(way, { series: FEW.series, readings: 5_000 });
    for (const [name, way] of ways) {
      const many = run(way, MANY);
      const few = run(way, FEW);
      held.push(many.kibPerSeries);
      figures[`${name}: heap per series held, ${MANY.series.toLocaleString('en')} series (KiB)`] = Number(many.kibPerSeries.toFixed(1));
      figures[`${name}: readings/s, ${MANY.series.toLocaleString('en')} series filling`] = Math.round(many.perSecond);
      figures[`${name}: readings/s, ${FEW.series} series, DBSCAN on every window`] = Math.round(few.perSecond);
    }
    // the last store written is the one of the few series, whose windows are full
    const full = [...store.partition('humidite', 0).entries()][0]![1];
    figures['one full window in a checkpoint (bytes of JSON)'] = Buffer.byteLength(JSON.stringify(full));
    const failures = held[0]! < held[1]! ? [] : [`seriesWarmUp holds ${held[0]!.toFixed(1)} KiB a series, not less than a pipeline per key (${held[1]!.toFixed(1)})`];
    return {
      title: 'Sensor series: the state `detect sensors` holds per (topic, partition, key)',
      method:
        `Warm-up of ${WINDOW} then DBSCAN, in-process, on readings of one 6-partition topic keyed by device: ${MANY.series.toLocaleString('en')} devices ` +
        `× ${MANY.readings} readings (every window still filling: the heap held per series, readings included), then ${FEW.series} devices × ` +
        `${FEW.readings.toLocaleString('en')} readings (every window full: the rate). Baseline, same run: the same detection as an RxJS pipeline per key (perKey/groupBy). ` +
        'Heap measured after a forced GC (node --expose-gc), while the windows are held; with the store, changes are confirmed every 10 000 readings as checkpoints do.',
      figures,
      failures,
    };
  },
};
