/**
 * The chart draws every mark it is given (one element each, by class, even at the ends of the
 * time axis) and keeps the line small: at most four points per pixel column, so a million
 * readings stay a few thousand SVG points.
 */
import { describe, expect, it } from 'vitest';
import { type Mark, chartSize, minMaxPerColumn, renderChart, ticksOfTime } from '../../src/plot/chart.ts';

const count = (svg: string, cls: string): number => svg.split(`class="${cls}"`).length - 1;
const polylinePoints = (svg: string): number[] =>
  [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('renderChart', () => {
  it('draws exactly one element per mark, of its kind, in its own panel', () => {
    const points = Array.from({ length: 200 }, (_, i) => ({ time: T0 + i * 100, value: Math.sin(i / 5) }));
    const marks: Mark[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ topic: 'humidite', time: T0 + i * 100, kind: 'initialising' as const })),
      { topic: 'humidite', time: T0 + 5000, kind: 'dbscan' },
      { topic: 'humidite', time: T0 + 5000, kind: 'isolation-forest' },
      { topic: 'temperature', time: T0 + 7000, kind: 'dbscan' },
      { topic: 'temperature', time: T0 + 8000, kind: 'isolation-forest' },
      { topic: 'temperature', time: T0 + 9000, kind: 'isolation-forest' },
    ];
    const svg = renderChart([{ topic: 'humidite', points }, { topic: 'temperature', points }], marks, { title: 't' });
    expect(count(svg, 'mark dbscan')).toBe(2);
    expect(count(svg, 'mark isolation-forest')).toBe(3);
    expect(count(svg, 'mark initialising')).toBe(20);
    expect(count(svg, 'panel')).toBe(2);
    expect(svg).toContain(`height="${chartSize(2).height}"`);
    expect(svg).toMatch(/#d62728/);
    expect(svg).toMatch(/#2ca02c/);
  });

  it('keeps a mark at either extreme time, even outside the readings, inside the plot', () => {
    const points = [{ time: T0 + 1000, value: 1 }, { time: T0 + 2000, value: 2 }];
    const marks: Mark[] = [
      { topic: 'a', time: T0, kind: 'dbscan' },
      { topic: 'a', time: T0 + 3000, kind: 'isolation-forest' },
    ];
    const svg = renderChart([{ topic: 'a', points }], marks, { width: 1000 });
    const xs = [...svg.matchAll(/class="mark [^"]+" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(2);
    const frame = /<rect x="(\d+)" y="[\d.]+" width="(\d+)"/.exec(svg)!;
    const [left, w] = [Number(frame[1]), Number(frame[2])];
    expect(xs[0]).toBe(left);
    expect(xs[1]).toBe(left + w);
  });

  it('gives a panel to a topic that has marks but no readings, and to nothing else', () => {
    const svg = renderChart([], [{ topic: 'x', time: T0, kind: 'initialising' }]);
    expect(count(svg, 'panel')).toBe(1);
    expect(count(svg, 'mark initialising')).toBe(1);
  });

  it('reduces a million points to at most four per pixel column, keeping min and max', () => {
    const n = 1_000_000;
    const points = Array.from({ length: n }, (_, i) => ({ time: T0 + i * 10, value: i === 123_456 ? 1e6 : i === 654_321 ? -1e6 : Math.sin(i) }));
    const start = performance.now();
    const svg = renderChart([{ topic: 'big', points }], [{ topic: 'big', time: T0 + (n - 1) * 10, kind: 'dbscan' }], { width: 1200 });
    expect(performance.now() - start).toBeLessThan(5000); // a sanity bound only
    const [drawn] = polylinePoints(svg);
    expect(drawn).toBeLessThanOrEqual(4 * 1200);
    expect(drawn).toBeGreaterThan(1000);
    expect(count(svg, 'mark dbscan')).toBe(1);
    const reduced = minMaxPerColumn(points, T0, T0 + (n - 1) * 10, 1104);
    expect(reduced.map((p) => p.value)).toContain(1e6);
    expect(reduced.map((p) => p.value)).toContain(-1e6);
  });

  it('sorts points given out of time order', () => {
    const reduced = minMaxPerColumn([{ time: 3, value: 3 }, { time: 1, value: 1 }, { time: 2, value: 2 }], 1, 3, 100);
    expect(reduced.map((p) => p.time)).toEqual([1, 2, 3]);
  });

  it('escapes topics and the title', () => {
    const svg = renderChart([{ topic: '<a&b>', points: [{ time: T0, value: 1 }] }], [], { title: '"x" & <y>' });
    expect(svg).toContain('&lt;a&amp;b&gt;');
    expect(svg).toContain('&quot;x&quot; &amp; &lt;y&gt;');
    expect(svg).not.toContain('<a&b>');
  });

  it('puts 5 to 8 round time ticks on common spans', () => {
    for (const span of [20e3, 60e3, 5 * 60e3, 3600e3, 24 * 3600e3]) {
      const ticks = ticksOfTime(T0 + 123, T0 + 123 + span);
      expect(ticks.length, `span ${span}`).toBeGreaterThanOrEqual(4);
      expect(ticks.length, `span ${span}`).toBeLessThanOrEqual(8);
    }
  });
});
