import { describe, expect, it } from 'vitest';
import { Watermarks } from '../../src/state/watermarks.ts';

describe('Watermarks', () => {
  const p = (partition: number) => ({ source: 't', partition });

  it('is the minimum over the active partitions, an idle one left out until its next record', () => {
    let now = 0;
    const w = new Watermarks(1000, () => now);
    expect(w.current()).toBeUndefined();
    w.advance(p(0), 100);
    w.advance(p(1), 50);
    expect(w.current()).toBe(50);
    now = 900;
    w.advance(p(0), 300);
    now = 1500; // partition 1 silent for 1 500 ms: idle
    expect(w.current()).toBe(300);
    w.touch(p(1)); // a record, watermark unmoved: it holds the others back again
    expect(w.current()).toBe(50);
    w.forget(p(1));
    expect(w.current()).toBe(300);
  });

  it("gives a partition's own watermark, idle or not, none for one never moved or forgotten", () => {
    let now = 0;
    const w = new Watermarks(10, () => now);
    w.advance(p(0), 100);
    now = 100;
    expect(w.of(p(0))).toBe(100);
    expect(w.of(p(1))).toBeUndefined();
    w.forget(p(0));
    expect(w.of(p(0))).toBeUndefined();
  });

  it('never goes back for a partition, and with every partition idle is the highest', () => {
    let now = 0;
    const w = new Watermarks(10, () => now);
    w.advance(p(0), 100);
    w.advance(p(0), 40);
    w.advance(p(1), 70);
    expect(w.current()).toBe(70);
    now = 100;
    expect(w.current()).toBe(100);
  });
});
