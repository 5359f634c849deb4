/**
 * Composing a new flow in code: a temperature alarm that warms up on 10 values per sensor and
 * flags readings more than 3 standard deviations from their window's mean, with a detector of
 * its own (`detectWith`). vigie's marble spec runs it (`tests/examples/temperatureAlarm.spec.ts`).
 */
import { type Observable, filter, map, pipe } from 'rxjs';
import type { Detection, Reading, TimedLine } from 'vigie';
import { detectWith, parseArduinoLine, perKey, warmUp } from 'vigie/operators';

const mean = (xs: readonly number[]): number => xs.reduce((sum, x) => sum + x, 0) / xs.length;

const zScore = (values: readonly number[]) => {
  const history = values.slice(0, -1);
  const sd = Math.sqrt(mean(history.map((x) => (x - mean(history)) ** 2))) || 1e-9;
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
