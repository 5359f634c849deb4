import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, from, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { dbscanLabel } from '../../src/detectors/dbscan.ts';
import { dbscan } from '../../src/operators/dbscan.ts';
import { warmUp } from '../../src/operators/warmUp.ts';
import type { Reading } from '../../src/types.ts';

const shared = new URL('../../../shared/', import.meta.url);
const hasShared = existsSync(fileURLToPath(shared));

interface Golden {
  readonly source: string;
  readonly rows: number;
  readonly window: number;
  readonly params: { readonly eps: number; readonly min_samples: number };
  readonly states: readonly number[];
}

function readSeries(source: string, rows: number): Reading[] {
  const lines = readFileSync(fileURLToPath(new URL(`data/${source}`, shared)), 'utf8').trim().split('\n');
  expect(lines[0]?.trim()).toBe('timestamp,value');
  return lines.slice(1, rows + 1).map((line, offset) => {
    const [timestamp = '', value = ''] = line.trim().split(',');
    return { topic: source, value: Number(value), time: Date.parse(`${timestamp.replace(' ', 'T')}Z`), ref: { source, partition: 0, offset } };
  });
}

describe.skipIf(!hasShared)('dbscan against scikit-learn 1.2.1 (golden files)', () => {
  it.each(['dbscan-nyc_taxi.json', 'dbscan-art_daily_jumpsup.json', 'dbscan-ec2_cpu_fe7f93.json'])(
    'reproduces every state of %s',
    async (file) => {
      const golden = JSON.parse(readFileSync(fileURLToPath(new URL(`golden/${file}`, shared)), 'utf8')) as Golden;
      const readings = readSeries(golden.source, golden.rows);
      expect(readings).toHaveLength(golden.rows);
      const states = await firstValueFrom(
        from(readings).pipe(
          warmUp(golden.window),
          dbscan({ eps: golden.params.eps, minSamples: golden.params.min_samples }),
          map((d) => d.state as number),
          toArray(),
        ),
      );
      const first = states.findIndex((s, i) => s !== golden.states[i]);
      expect(first, `first mismatch at row ${first}: got ${states[first]}, scikit-learn ${golden.states[first]}`).toBe(-1);
      expect(states).toEqual(golden.states);
    },
  );
});

describe('dbscanLabel', () => {
  it('labels a border point (within eps of a core point, not core itself) as not noise', () => {
    // 0, 1, 2 are core (3 neighbours each with eps 1); 2.9 has only 2 and 2.9: border.
    const label = dbscanLabel([0, 1, 2, 2.9], { eps: 1, minSamples: 3 });
    expect(label.noise).toBe(false);
    expect(label.score).toBeCloseTo(0.9 / 2, 12);
  });

  it('labels noise a value whose only neighbours are border points', () => {
    // Only 0 is core (4 neighbours); 0.95 is border (3); 1.9 is within eps of 0.95 alone.
    const label = dbscanLabel([-0.9, -0.8, 0, 0.95, 1.9], { eps: 1, minSamples: 4 });
    expect(label.noise).toBe(true);
    expect(label.score).toBeCloseTo(1.9 / 2, 12);
  });

  it('counts a neighbour at exactly eps (inclusive)', () => {
    expect(dbscanLabel([0, 0.5], { eps: 0.5, minSamples: 2 })).toStrictEqual({ noise: false, score: 0 });
    expect(dbscanLabel([0, 0.5000001], { eps: 0.5, minSamples: 2 })).toStrictEqual({ noise: true, score: 1 });
  });

  it('makes every value core with minSamples 1', () => {
    expect(dbscanLabel([0, 1, 2, 1000], { eps: 0.5, minSamples: 1 })).toStrictEqual({ noise: false, score: 0 });
  });

  it('counts the value itself among its neighbours', () => {
    expect(dbscanLabel([5, 5], { eps: 0.1, minSamples: 2 }).noise).toBe(false);
    expect(dbscanLabel([5], { eps: 0.1, minSamples: 2 }).noise).toBe(true);
  });

  it('scores a core point 0 and noise with no core point in the window 1', () => {
    expect(dbscanLabel([1, 1, 1, 1, 1], { eps: 0.5, minSamples: 5 }).score).toBe(0);
    expect(dbscanLabel([1, 3, 5, 7, 9], { eps: 0.5, minSamples: 2 })).toStrictEqual({ noise: true, score: 1 });
  });

  it('keeps the score in [0, 1] and above 0.5 exactly for noise', () => {
    for (const x of [0, 0.2, 0.7, 1, 1.4, 2, 2.1, 3, 50]) {
      const { noise, score } = dbscanLabel([0, 0, 0, x], { eps: 1, minSamples: 3 });
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(score > 0.5).toBe(noise);
    }
  });

  it('does not depend on the order of the older values', () => {
    const a = dbscanLabel([3, 1, 2, 0, 2.9], { eps: 1, minSamples: 3 });
    const b = dbscanLabel([0, 1, 2, 3, 2.9], { eps: 1, minSamples: 3 });
    expect(a).toStrictEqual(b);
  });

  it('rejects bad options and values with a RangeError that names them', () => {
    expect(() => dbscanLabel([1], { eps: 0, minSamples: 1 })).toThrow(/eps must be a finite number > 0, got 0/);
    expect(() => dbscanLabel([1], { eps: Infinity, minSamples: 1 })).toThrow(RangeError);
    expect(() => dbscanLabel([1], { eps: Number.NaN, minSamples: 1 })).toThrow(/got NaN/);
    expect(() => dbscanLabel([1], { eps: 1, minSamples: 0 })).toThrow(/minSamples must be an integer >= 1, got 0/);
    expect(() => dbscanLabel([1], { eps: 1, minSamples: 2.5 })).toThrow(RangeError);
    expect(() => dbscanLabel([], { eps: 1, minSamples: 1 })).toThrow(/at least one value/);
    expect(() => dbscanLabel([1, Number.NaN], { eps: 1, minSamples: 1 })).toThrow(/finite, got NaN at 1/);
  });
});
