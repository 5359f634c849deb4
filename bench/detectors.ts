/**
 * The prototype's detectors, in-process: warm-up of 21 + DBSCAN, and warm-up of 21 +
 * IsolationForest (100 trees, fitted again on every window, as the prototype did), in events/s.
 * The prototype's own figures on this machine (scikit-learn, refitting per event) are in
 * ../shared/golden/README.md: about 1 750 events/s for DBSCAN and 9 for IsolationForest.
 */
import { from, lastValueFrom, reduce } from 'rxjs';
import { dbscan } from '../src/operators/dbscan.ts';
import { isolationForest } from '../src/operators/isolationForest.ts';
import { warmUp } from '../src/operators/warmUp.ts';
import { seededRandom } from '../src/random.ts';
import type { Reading } from '../src/types.ts';
import type { Bench } from './section.ts';

/** scikit-learn's figures for the same work, from ../shared/golden/README.md. */
export const PROTOTYPE_EVENTS_PER_SECOND = { dbscan: 1_750, isolationForest: 9 } as const;

function readings(count: number): Reading[] {
  const random = seededRandom(3);
  return Array.from({ length: count }, (_, i) => ({
    topic: 'humidite',
    value: 50 + random.normal() + (random.next() < 0.01 ? 10 : 0),
    time: i * 100,
    ref: { source: 'bench', partition: 0, offset: i },
  }));
}

async function eventsPerSecond(count: number, detector: 'dbscan' | 'isolation-forest'): Promise<number> {
  const input = readings(count);
  const operator = detector === 'dbscan' ? dbscan() : isolationForest({ trees: 100 });
  const started = performance.now();
  await lastValueFrom(from(input).pipe(warmUp<Reading>(21), operator, reduce((n) => n + 1, 0)));
  return Math.round(count / ((performance.now() - started) / 1000));
}

async function detectors(): Promise<Record<string, number>> {
  const dbscanRate = await eventsPerSecond(300_000, 'dbscan');
  const forestRate = await eventsPerSecond(30_000, 'isolation-forest');
  return {
    'warm-up + DBSCAN (events/s)': dbscanRate,
    'prototype, scikit-learn DBSCAN (events/s)': PROTOTYPE_EVENTS_PER_SECOND.dbscan,
    'DBSCAN speed-up': Math.round(dbscanRate / PROTOTYPE_EVENTS_PER_SECOND.dbscan),
    'warm-up + IsolationForest, 100 trees (events/s)': forestRate,
    'prototype, scikit-learn IsolationForest (events/s)': PROTOTYPE_EVENTS_PER_SECOND.isolationForest,
    'IsolationForest speed-up': Math.round(forestRate / PROTOTYPE_EVENTS_PER_SECOND.isolationForest),
  };
}

export const detectorsBench: Bench = {
  name: 'detectors',
  async run() {
    const figures = await detectors();
    const failures: string[] = [];
    if (figures['DBSCAN speed-up']! < 100) failures.push(`DBSCAN is ${figures['DBSCAN speed-up']}x, not 100x, faster than the prototype`);
    if (figures['IsolationForest speed-up']! < 100) failures.push(`IsolationForest is ${figures['IsolationForest speed-up']}x, not 100x, faster than the prototype`);
    return {
      title: "The prototype's detectors, in-process",
      method: 'Warm-up of 21 then the detector on every window, in-process, on a seeded Gaussian series with 1% spikes.',
      figures,
      failures,
    };
  },
};
