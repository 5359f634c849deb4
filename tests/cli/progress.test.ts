import { describe, expect, it } from 'vitest';
import { progress } from '../../src/cli/progress.ts';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream };
}

describe('progress', () => {
  it('draws a bar in place on a terminal', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const p = progress('replay', { total: 100, stream, now: () => t });
    for (let i = 1; i <= 100; i++) {
      t += 10;
      p.update(i);
    }
    p.finish();
    expect(writes.every((w) => w.startsWith('\r'))).toBe(true);
    expect(writes.at(-1)).toMatch(/^\rreplay \[#{30}\] 100\/100 \(100%, \d+\/s\)\n$/);
    expect(writes.length).toBeLessThan(20); // redrawn at most every 100 ms
  });

  it('writes plain lines, at most one per interval, when not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const p = progress('bench', { stream, now: () => t, everyMs: 1000 });
    for (let i = 1; i <= 50; i++) {
      t += 100;
      p.update(i * 1000);
    }
    p.finish();
    expect(writes.every((w) => !w.includes('\r') && w.endsWith('\n'))).toBe(true);
    expect(writes.length).toBe(6); // the first update, one a second over 5 s, and the last
    expect(writes.at(-1)).toBe('bench: 50000 (10000/s)\n');
  });

  it('gives a rate per minute for work slower than one item a second, not 0/s', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const p = progress('chaos faults', { total: 18, stream, now: () => t });
    t = 60_000;
    p.update(6);
    expect(writes.at(-1)).toBe('chaos faults: 6/18 (33%, 6.0/min)\n');
  });
});
