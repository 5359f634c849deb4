/**
 * The catalogue (src/catalogue/detectors.ts) builds each online detector twice: as the operator
 * NAB scores, and as the per-series detector a live flow keeps in its state store. They must be
 * the same detector: the same detection for every reading, and, cut anywhere, written down as
 * JSON and restored, the same detections after the cut as without the cut.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DETECTORS, DETECTOR_NAMES, DEFAULT_DETECTORS, detectorChoices } from '../../src/catalogue/detectors.ts';
import type { SeriesDetectorKind } from '../../src/detectors/seriesDetector.ts';
import { seededRandom } from '../../src/random.ts';
import type { Reading } from '../../src/types.ts';

// the series of the NAB detectors' test: noise on a daily wave, a level shift and two spikes
const random = seededRandom(11);
const readings: Reading[] = Array.from({ length: 1400 }, (_, i) => ({
  topic: 't',
  value: 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + random.normal() + (i >= 900 ? 25 : 0) + (i === 700 || i === 1100 ? 40 : 0),
  time: Date.UTC(2014, 0, 1, 0, 5 * i),
  ref: { source: 't', partition: 0, offset: i },
}));

const online = DETECTOR_NAMES.filter((name) => 'series' in DETECTORS[name]);

describe.each(online)('catalogue detector %s', (name) => {
  const entry = DETECTORS[name] as { operator: () => import('rxjs').OperatorFunction<Reading, import('../../src/types.ts').Detection>; series: SeriesDetectorKind };

  it('held per series, gives what its operator gives, reading for reading', async () => {
    const expected = await lastValueFrom(from(readings).pipe(entry.operator(), toArray()));
    const detector = entry.series.create();
    expect(readings.map((r) => detector.update(r))).toEqual(expected);
    expect(expected.some((d) => d.state === -1)).toBe(true); // it does alarm on this series
  });

  it('written down as JSON and restored anywhere, carries on as if never stopped', () => {
    const whole = entry.series.create();
    const expected = readings.map((r) => whole.update(r));
    for (const cut of [1, 450, 905]) {
      const first = entry.series.create();
      readings.slice(0, cut).forEach((r) => first.update(r));
      const restored = entry.series.restore(JSON.parse(JSON.stringify(first.snapshot())));
      expect(readings.slice(cut).map((r) => restored.update(r)), `cut at ${cut}`).toEqual(expected.slice(cut));
    }
  });

  it("refuses another detector's snapshot", () => {
    const other = online.find((n) => n !== name)!;
    const snapshot = JSON.parse(JSON.stringify((DETECTORS[other] as { series: SeriesDetectorKind }).series.create().snapshot())) as unknown;
    expect(() => entry.series.restore(snapshot)).toThrow(RangeError);
  });
});

it('lists every detector with its NAB standard score, best first; the prototype pair is the default', () => {
  expect(detectorChoices()).toBe(
    'contextual+art (NAB 72.26), contextual (NAB 68.28), art (NAB 64.19), half-space-trees+likelihood (NAB 63.29), robust-z-score+likelihood (NAB 61.61), isolation-forest (NAB 11.43), dbscan (NAB 0.00)',
  );
  expect(DEFAULT_DETECTORS).toEqual(['dbscan', 'isolation-forest']);
});
