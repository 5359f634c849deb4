/**
 * A whole flow under marble time: the example to copy when testing a flow of your own.
 * The source is injected (`m.cold`), the flow is the real one, and the expectation is a marble.
 */
import { type Observable, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { sensorAnomalies } from '../../src/streams/sensorAnomalies.ts';
import { sensorPipeline } from '../../src/streams/sensorPipeline.ts';
import type { Detection, TimedLine } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

// Lines as the device prints them; offsets number them like a partition.
let offset = 0;
const line = (text: string): TimedLine => ({ line: text, time: 1000 * offset, ref: { source: 'test', partition: 0, offset: offset++ } });
const [h1, h2, t1, h3, bad, h4] = ['h!10', 'h!10.4', 't!20', 'h!10.2', 'oops', 'h!30'].map(line) as [TimedLine, TimedLine, TimedLine, TimedLine, TimedLine, TimedLine];

const reading = (l: TimedLine, topic: string, value: number) =>
  ({ kind: 'reading', input: l, reading: { topic, value, time: l.time, ref: l.ref } }) as const;
const detection = (l: TimedLine, topic: string, value: number, state: -2 | -1 | 1, fill: number): { kind: 'detection'; detection: Detection } => ({
  kind: 'detection',
  detection: { topic, value, time: l.time, state, detector: 'dbscan', score: state === -2 ? null : expect.any(Number), fill, ref: l.ref },
});

describe('sensorAnomalies (a whole flow, in virtual time)', () => {
  // window 3, DBSCAN only: small enough to read; eps 1 and minSamples 2 make 30 an outlier among 10s.
  const options = { window: 3, dbscan: { eps: 1, minSamples: 2 }, isolationForest: false } as const;

  it('warms up per topic, then labels each newest value; bad lines become dead letters', marbles((m) => {
    const lines = m.cold('-a-----b-----c-----d-----e-----f-----|', { a: h1, b: h2, c: t1, d: h3, e: bad, f: h4 });
    const expected = /* */ '-(aA)--(bB)--(cC)--(dD)--e-----(fF)--|';
    m.expect(sensorAnomalies(lines, options)).toBeObservable(expected, {
      a: reading(h1, 'h', 10),
      A: detection(h1, 'h', 10, -2, 1 / 3),
      b: reading(h2, 'h', 10.4),
      B: detection(h2, 'h', 10.4, -2, 2 / 3),
      c: reading(t1, 't', 20), // another topic: its own window, still filling
      C: detection(t1, 't', 20, -2, 1 / 3),
      d: reading(h3, 'h', 10.2),
      D: detection(h3, 'h', 10.2, 1, 1), // window [10, 10.4, 10.2]: all neighbours
      e: { kind: 'dead-letter', dead: { stage: 'parse-arduino-line', reason: 'no "!" separating topic and value', raw: 'oops', ref: bad.ref, time: bad.time } },
      f: reading(h4, 'h', 30),
      F: detection(h4, 'h', 30, -1, 1), // window [10.4, 10.2, 30]: 30 is noise
    });
  }));

  it('passes a source error on after what it has emitted', marbles((m) => {
    const lines = m.cold('-a-----#', { a: h1 });
    m.expect(sensorAnomalies(lines, options)).toBeObservable('-(aA)--#', { a: reading(h1, 'h', 10), A: detection(h1, 'h', 10, -2, 1 / 3) });
  }));

  it('stops reading lines when unsubscribed', marbles((m) => {
    const lines = m.hot('-a-----b-----|', { a: h1, b: h2 });
    const subs = /*    */ '^-----!';
    m.expect(sensorAnomalies(lines, options), subs).toBeObservable('-(aA)--', { a: reading(h1, 'h', 10), A: detection(h1, 'h', 10, -2, 1 / 3) });
    m.expect(lines).toHaveSubscriptions(subs);
  }));

  it('runs both detectors on each window when asked', marbles((m) => {
    const lines = m.cold('-a-----|', { a: h1 });
    const kinds = sensorAnomalies(lines, { window: 2 }).pipe(map((e) => (e.kind === 'detection' ? e.detection.detector : e.kind)));
    m.expect(kinds).toBeObservable('-(rdi)-|', { r: 'reading', d: 'dbscan', i: 'isolation-forest' });
  }));

  it('sends each kind of event to its sinks and reports what they wrote', marbles((m) => {
    const lines = m.cold('-a-----e-----|', { a: h1, e: bad });
    const report = (sink: string) => map((item: unknown) => ({ sink, items: [item] }));
    const written = sensorPipeline(lines, { readings: [report('ref')], detections: [report('db')], deadLetters: [report('dlq')] }, options);
    m.expect(written.pipe(map((w) => w.sink))).toBeObservable('-(rd)--q-----|', { r: 'ref', d: 'db', q: 'dlq' });
  }));
});

describe('sensorAnomalies, synchronously', () => {
  it('stops a synchronous source of lines as soon as the consumer has enough', () => {
    const flow = (lines$: Observable<TimedLine>) => sensorAnomalies(lines$, { window: 3, dbscan: { eps: 1, minSamples: 2 }, isolationForest: false });
    const { outputs, produced } = takeFromEndlessSource(flow, (i) => ({ line: 'h!10', time: i, ref: { source: 'endless', partition: 0, offset: i } }), 4);
    // each line: its reading, then DBSCAN's detection
    expect(outputs.map((e) => e.kind)).toEqual(['reading', 'detection', 'reading', 'detection']);
    expect(produced).toBe(2);
  });
});
