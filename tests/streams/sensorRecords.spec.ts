/**
 * Issue 11, finding 4: `detect sensors` read Kafka records as `topic!value` lines and kept one
 * window per topic, so a value with `!` became a reading of another topic and the partitions of
 * one topic shared a window in whatever order they were fetched. Here the flow is fed Kafka
 * records: each value is a reading, each series (topic, partition, key) has its own window.
 */
import { type Observable, from, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { SensorRecord } from '../../src/operators/parseKafkaReading.ts';
import { sensorRecordAnomalies } from '../../src/streams/sensorAnomalies.ts';
import type { Detection } from '../../src/types.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const record = (value: string, partition: number, offset: number, key: string | null = null): SensorRecord => ({
  topic: 'humidite',
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(value),
  timestamp: 1_000 * offset,
  ref: { source: 'humidite', partition, offset },
});

// window 3, DBSCAN only: small enough to read; eps 1 and minSamples 2 make 30 an outlier among 10s.
const options = { window: 3, dbscan: { eps: 1, minSamples: 2 }, isolationForest: false } as const;
const states = (events$: Observable<unknown>) =>
  events$.pipe(map((e) => (e as { kind: string; detection?: Detection }).detection?.state ?? (e as { kind: string }).kind));

describe('sensorRecordAnomalies (Kafka records, in virtual time)', () => {
  it('reads each value as a reading of its topic; a value with "!" is a dead letter, not a reading of another topic', marbles((m) => {
    const records = m.cold('-a----b----x----c----d----|', { a: record('10', 0, 0), b: record('10.4', 0, 1), x: record('12!5', 0, 2), c: record('10.2', 0, 3), d: record('30', 0, 4) });
    const events = sensorRecordAnomalies(records, options);
    m.expect(states(events)).toBeObservable('-(rI)-(rI)-d----(rN)-(rA)-|', { r: 'reading', I: -2, d: 'dead-letter', N: 1, A: -1 });
    m.expect(events.pipe(map((e) => (e.kind === 'dead-letter' ? e.dead.reason : e.kind === 'reading' ? e.reading.topic : e.detection.topic)))).toBeObservable(
      '-(hh)-(hh)-x----(hh)-(hh)-|',
      { h: 'humidite', x: 'value "12!5" is not a decimal number (topic=humidite partition=0 offset=2)' },
    );
  }));

  it('keeps a window per partition and per key: a series starts warming up of its own', marbles((m) => {
    const records = m.cold('-a----b----c----d----e----|', { a: record('10', 0, 0), b: record('10', 0, 1), c: record('10', 1, 0), d: record('10', 0, 2, 'k'), e: record('10', 0, 3) });
    const fills = sensorRecordAnomalies(records, options).pipe(map((e) => (e.kind === 'detection' ? e.detection.fill : null)));
    // partition 0 without key fills 1/3, 2/3, then its third value (e) makes a window; partition 1 and key k start afresh
    m.expect(fills.pipe(map((f) => (f === null ? 'r' : f === 1 ? 'W' : String(Math.round(f * 3)))))).toBeObservable('-(r1)-(r2)-(r1)-(r1)-(rW)-|');
  }));

  it('passes a source error on after what it has emitted', marbles((m) => {
    const records = m.cold('-a----#', { a: record('10', 0, 0) });
    m.expect(states(sensorRecordAnomalies(records, options))).toBeObservable('-(rI)-#', { r: 'reading', I: -2 });
  }));

  it('stops reading records when unsubscribed', marbles((m) => {
    const records = m.hot('-a-----b-----|', { a: record('10', 0, 0), b: record('10', 0, 1) });
    const subs = /*      */ '^-----!';
    m.expect(states(sensorRecordAnomalies(records, options)), subs).toBeObservable('-(rI)--', { r: 'reading', I: -2 });
    m.expect(records).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous endless source of records as soon as the consumer has enough', () => {
    const flow = (records$: Observable<SensorRecord>) => sensorRecordAnomalies(records$, options);
    const { outputs, produced } = takeFromEndlessSource(flow, (i) => record('10', i % 2, i), 4);
    expect(outputs.map((e) => e.kind)).toEqual(['reading', 'detection', 'reading', 'detection']);
    expect(produced).toBe(2);
  });
});

describe('sensorRecordAnomalies on two partitions of one topic', () => {
  // Two sensors on one topic, one per partition, at levels far apart, with spikes of their own.
  const series = (level: number, spikes: number[]) => Array.from({ length: 40 }, (_, i) => String(level + (spikes.includes(i) ? 50 : (i % 5) * 0.1)));
  const partitions = [series(10, [12, 30]), series(1000, [7, 25, 26])].map((values, partition) => values.map((v, offset) => record(v, partition, offset)));
  const detections = async (records: SensorRecord[]) =>
    (await lastValueFrom(sensorRecordAnomalies(from(records), { window: 5 }).pipe(toArray())))
      .flatMap((e) => (e.kind === 'detection' ? [e.detection] : []));
  const ofPartition = (ds: Detection[], partition: number) => ds.filter((d) => d.ref.partition === partition);

  /** The two partitions merged as a fetch might: each in its order, taken in runs of random length. */
  function interleave(seed: number): SensorRecord[] {
    let s = seed;
    const random = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const next = [0, 0];
    const out: SensorRecord[] = [];
    while (out.length < 80) {
      const p = next[0]! >= 40 ? 1 : next[1]! >= 40 ? 0 : random() < 0.5 ? 0 : 1;
      for (let run = 1 + Math.floor(random() * 8); run > 0 && next[p]! < 40; run--) out.push(partitions[p]![next[p]!++]!);
    }
    return out;
  }

  it('gives each partition the detections of its series alone, whatever the interleaving', async () => {
    const alone = [await detections(partitions[0]!), await detections(partitions[1]!)];
    expect(alone[0]!.some((d) => d.state === -1) && alone[1]!.some((d) => d.state === -1)).toBe(true);
    for (const order of [[...partitions[0]!, ...partitions[1]!], [...partitions[1]!, ...partitions[0]!], ...[1, 2, 3, 4, 5].map(interleave)]) {
      const mixed = await detections(order);
      expect(ofPartition(mixed, 0)).toStrictEqual(alone[0]);
      expect(ofPartition(mixed, 1)).toStrictEqual(alone[1]);
    }
  });
});
