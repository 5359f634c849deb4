/**
 * The prototype's detectors, in-process: warm-up of 21 + DBSCAN, and warm-up of 21 +
 * IsolationForest (100 trees, fitted again on every window, as the prototype did), in events/s,
 * each beside scikit-learn doing the prototype's work on the same series, measured in this run
 * (bench/sklearn.ts): a figure quoted from another day would compare two loads of the machine.
 *
 * Each pair runs back to back (scikit-learn, then vigie) so both see the same load. The figures
 * ../shared/golden/README.md quotes (about 1 750 and 9 events/s) are printed on their own line,
 * for reference only: the speed-ups are computed from the measured ones.
 */
import { from, lastValueFrom, reduce } from 'rxjs';
import { dbscan } from '../src/operators/dbscan.ts';
import { isolationForest } from '../src/operators/isolationForest.ts';
import { warmUp } from '../src/operators/warmUp.ts';
import { seededRandom } from '../src/random.ts';
import type { Reading } from '../src/types.ts';
import type { Bench } from './section.ts';
import { type SklearnRate, ensureScikitLearn, scikitLearnRate } from './sklearn.ts';

/** scikit-learn's figures for the same work, as quoted in ../shared/golden/README.md. */
export const QUOTED_EVENTS_PER_SECOND = { dbscan: 1_750, isolationForest: 9 } as const;
const TARGET_SPEED_UP = 100;
const WINDOW = 21;
/** vigie's events per run, and scikit-learn's fitted windows (about 5-10 s each at the quoted rates). */
const EVENTS = {
  dbscan: { vigie: 300_000, sklearn: Number(process.env.BENCH_SKLEARN_DBSCAN_EVENTS ?? 10_000) },
  'isolation-forest': { vigie: 30_000, sklearn: Number(process.env.BENCH_SKLEARN_IFOREST_EVENTS ?? 60) },
} as const;

type Detector = keyof typeof EVENTS;

function readings(count: number): Reading[] {
  const random = seededRandom(3);
  return Array.from({ length: count }, (_, i) => ({
    topic: 'humidite',
    value: 50 + random.normal() + (random.next() < 0.01 ? 10 : 0),
    time: i * 100,
    ref: { source: 'bench', partition: 0, offset: i },
  }));
}

async function vigieRate(detector: Detector): Promise<number> {
  const count = EVENTS[detector].vigie;
  const input = readings(count);
  const operator = detector === 'dbscan' ? dbscan() : isolationForest({ trees: 100 });
  const started = performance.now();
  await lastValueFrom(from(input).pipe(warmUp<Reading>(WINDOW), operator, reduce((n) => n + 1, 0)));
  return count / ((performance.now() - started) / 1000);
}

/** scikit-learn's rate on the first windows of vigie's series, or why it could not be measured. */
async function sklearnRate(detector: Detector, ready: Promise<void>): Promise<SklearnRate | Error> {
  try {
    await ready;
    const events = EVENTS[detector].sklearn;
    return await scikitLearnRate(detector, readings(events + WINDOW - 1).map((r) => r.value), events);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

const rounded = (rate: number): number => (rate >= 100 ? Math.round(rate) : Number(rate.toFixed(1)));

export const detectorsBench: Bench = {
  name: 'detectors',
  async run() {
    const ready = ensureScikitLearn();
    ready.catch(() => {}); // reported through sklearnRate, per detector
    const figures: Record<string, number | string> = {};
    const failures: string[] = [];
    let versions = '';
    for (const [detector, label] of [['dbscan', 'DBSCAN'], ['isolation-forest', 'IsolationForest, 100 trees']] as const) {
      const theirs = await sklearnRate(detector, ready);
      const ours = await vigieRate(detector);
      const name = detector === 'dbscan' ? 'DBSCAN' : 'IsolationForest';
      figures[`vigie, warm-up + ${label} (events/s)`] = rounded(ours);
      if (theirs instanceof Error) {
        figures[`scikit-learn ${label}, measured now (events/s)`] = 'not measured';
        figures[`${name} speed-up`] = 'not measured';
        failures.push(`scikit-learn ${name} was not measured, so there is no speed-up: ${theirs.message}`);
        continue;
      }
      const speedUp = Math.round(ours / theirs.events_per_second);
      figures[`scikit-learn ${label}, measured now (events/s)`] = rounded(theirs.events_per_second);
      figures[`${name} speed-up`] = speedUp;
      if (speedUp < TARGET_SPEED_UP) failures.push(`${name} is ${speedUp}x, not ${TARGET_SPEED_UP}x, faster than scikit-learn measured in the same run`);
      versions = `scikit-learn ${theirs.sklearn}, numpy ${theirs.numpy}, Python ${theirs.python}`;
    }
    figures['scikit-learn, quoted in ../shared/golden/README.md (events/s)'] =
      `DBSCAN ${QUOTED_EVENTS_PER_SECOND.dbscan.toLocaleString('en')}, IsolationForest ${QUOTED_EVENTS_PER_SECOND.isolationForest} (scikit-learn 1.2.1, not this run; not used above)`;
    if (versions) figures['scikit-learn measured with'] = versions;
    return {
      title: "The prototype's detectors: vigie in-process against scikit-learn, same run",
      method:
        `Warm-up of ${WINDOW} then the detector on every window, on a seeded Gaussian series with 1% spikes: vigie in-process ` +
        `(${EVENTS.dbscan.vigie.toLocaleString('en')} events for DBSCAN, ${EVENTS['isolation-forest'].vigie.toLocaleString('en')} for IsolationForest); scikit-learn ` +
        `(bench/sklearn_baseline.py, in .vigie/bench/venv) refitting DBSCAN(eps=0.5, min_samples=5) or IsolationForest(n_estimators=100) on the last ${WINDOW} ` +
        `values of the same series for every event, as the prototype did (${EVENTS.dbscan.sklearn.toLocaleString('en')} and ${EVENTS['isolation-forest'].sklearn} windows timed).`,
      figures,
      failures,
    };
  },
};
