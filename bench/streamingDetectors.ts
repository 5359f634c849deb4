/**
 * The detectors vigie enters on NAB, in-process, in events/s: every entry of the NAB catalogue
 * (src/evaluation/nab/detectors.ts), the streaming ones that learn online and the prototype's two
 * that refit a window per event, on the same series in the same run, so the price of refitting
 * shows beside the online learners. The series is daily-looking (288 readings a day) with noise,
 * level shifts and spikes, long enough for every detector to leave its learning period.
 */
import { lastValueFrom, reduce } from 'rxjs';
import { progress } from '../src/cli/progress.ts';
import { nabDetectors } from '../src/evaluation/nab/detectors.ts';
import { nabReadings } from '../src/evaluation/nab/stream.ts';
import { seededRandom } from '../src/random.ts';
import type { Bench } from './section.ts';

const EVENTS = Number(process.env.BENCH_STREAMING_EVENTS ?? 100_000);
/** The refitting detectors are 10-1000 times slower: fewer events keep the run short. */
const REFITTING = new Set(['isolation-forest']);

function series(count: number): { timestamps: string[]; values: number[] } {
  const random = seededRandom(5);
  const values = Array.from({ length: count }, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + random.normal() + 20 * Math.floor(i / 20_000) + (random.next() < 0.001 ? 30 : 0));
  const timestamps = values.map((_, i) => new Date(Date.UTC(2014, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' '));
  return { timestamps, values };
}

export const streamingDetectorsBench: Bench = {
  name: 'streaming',
  async run() {
    const figures: Record<string, number> = {};
    const names = Object.keys(nabDetectors);
    const bar = progress('bench: NAB detectors', { total: names.length });
    for (const [i, name] of names.entries()) {
      const count = REFITTING.has(name) ? Math.min(EVENTS, 10_000) : EVENTS;
      const { timestamps, values } = series(count);
      const started = performance.now();
      const seen = await lastValueFrom(nabReadings('bench', timestamps, values).pipe(nabDetectors[name]!.factory(), reduce((n) => n + 1, 0)));
      figures[`${name} (events/s)`] = Math.round(seen / ((performance.now() - started) / 1000));
      bar.update(i + 1);
    }
    bar.finish();
    return {
      title: "vigie's NAB detectors, in-process",
      method: `Each detector of \`vigie evaluate nab\` on ${EVENTS.toLocaleString('en')} readings of one seeded daily-looking series with level shifts and spikes (10 000 for IsolationForest, which refits 100 trees per event), through the same operators as the flows; readings built beforehand, not timed.`,
      figures,
      failures: [],
    };
  },
};
