import { describe, expect, it } from 'vitest';
import { temperatureAlarm } from '../../examples/src/temperatureAlarm.ts';
import type { TimedLine } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';

const at = (line: string, offset: number): TimedLine => ({ line, time: offset * 1000, ref: { source: 'test', partition: 0, offset } });

describe('the example of docs/composing.md: a flow composed in code', () => {
  it('flags the temperature spike and nothing else', marbles((m) => {
    const temps = [20, 20.1, 19.9, 20, 20.2, 19.8, 20.1, 20, 19.9, 20, 35].map((v, i) => at(`temperature!${v}`, i));
    const values = Object.fromEntries(temps.map((t, i) => [String.fromCharCode(97 + i), t]));
    values.x = at('humidite!99', 99); // another topic: ignored
    const lines = m.cold('abcdexfghijk|', values);
    const spike = temps[10]!;
    m.expect(temperatureAlarm(lines)).toBeObservable('-----------s|', {
      s: { topic: 'temperature', value: 35, time: spike.time, state: -1, detector: 'z-score', score: expect.any(Number), fill: 1, ref: spike.ref },
    });
  }));
});
