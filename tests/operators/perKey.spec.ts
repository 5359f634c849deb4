import { map, scan } from 'rxjs';
import { describe, it } from 'vitest';
import { perKey } from '../../src/operators/perKey.ts';
import { marbles } from '../helpers/marbles.ts';

interface R { topic: string; value: number }
const counter = () => scan((n: number) => n + 1, 0);

describe('perKey', () => {
  const h = { topic: 'humidite', value: 1 };
  const t = { topic: 'temperature', value: 2 };

  it('keeps one state per key, interleaved in input order', marbles((m) => {
    const source = m.cold('-h-t-h-t-h-|', { h, t });
    const expected = /*  */ '-1-1-2-2-3-|';
    m.expect(source.pipe(perKey((r: R) => r.topic, counter))).toBeObservable(expected, { 1: 1, 2: 2, 3: 3 });
  }));

  it('hands each pipeline its key', marbles((m) => {
    const source = m.cold('-h-t-|', { h, t });
    const tagged = perKey((r: R) => r.topic, (key) => map((r: R) => `${key}:${r.value}`));
    m.expect(source.pipe(tagged)).toBeObservable('-a-b-|', { a: 'humidite:1', b: 'temperature:2' });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-h-t-#', { h, t }).pipe(perKey((r: R) => r.topic, counter))).toBeObservable('-1-1-#', { 1: 1 });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-h-t-h-t-|', { h, t });
    const subs = /*    */ '^----!';
    m.expect(source.pipe(perKey((r: R) => r.topic, counter)), subs).toBeObservable('-1-1--', { 1: 1 });
    m.expect(source).toHaveSubscriptions(subs);
  }));
});
