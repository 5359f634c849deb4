/**
 * Composing a new flow in code: a temperature alarm that warms up on 10 values per sensor and
 * flags readings more than 3 standard deviations from their window's mean. The README shows this
 * file; `tests/examples/composeFlow.spec.ts` runs it.
 */
import { type Observable, filter, map, pipe } from 'rxjs';
import { mean, standardDeviation } from 'simple-statistics';
import { detectWith } from '../src/operators/detectWith.ts';
import { parseArduinoLine } from '../src/operators/parseArduinoLine.ts';
import { perKey } from '../src/operators/perKey.ts';
import { warmUp } from '../src/operators/warmUp.ts';
import type { Detection, Reading, TimedLine } from '../src/types.ts';

const zScore = (values: readonly number[]) => {
  const history = values.slice(0, -1);
  const sd = standardDeviation(history) || 1e-9;
  const score = Math.abs((values[values.length - 1]! - mean(history)) / sd);
  return { anomaly: score > 3, score };
};

export function temperatureAlarm(lines$: Observable<TimedLine>): Observable<Detection> {
  return lines$.pipe(
    parseArduinoLine(),
    filter((parsed) => parsed.ok),
    map((parsed) => (parsed as { value: Reading }).value),
    filter((reading) => reading.topic === 'temperature'),
    perKey((reading) => reading.topic, () => pipe(warmUp<Reading>(10), detectWith('z-score', zScore))),
    filter((detection) => detection.state === -1),
  );
}
