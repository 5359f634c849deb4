import { describe, expect, it } from 'vitest';
import { outcome } from '../../bench/fraud/outcome.ts';
import type { Produced } from '../../bench/fraud/transactions.ts';

const produced = new Map<string, Produced>([
  ['0/0', { createTime: 1_000, suspicious: true }],
  ['0/1', { createTime: 1_010, suspicious: false }],
  ['1/0', { createTime: 2_000, suspicious: true }],
  ['1/1', { createTime: 2_005, suspicious: true }],
  ['2/0', { createTime: 500, suspicious: true }], // warm-up: checked, not timed
]);
const phases = [
  { label: 'slow', from: 1_000, to: 1_999 },
  { label: 'fast', from: 2_000, to: 2_999 },
];

describe("the fraud benchmark's verdict on a sink", () => {
  it('times each flagged record from its producer timestamp to its first appearance, in the phase it was produced in', () => {
    const seen = new Map([
      ['0/0', [1_030]],
      ['1/0', [2_040, 2_100]],
      ['1/1', [2_025]],
      ['2/0', [900]],
    ]);
    const o = outcome(produced, seen, phases);
    expect(o.latency.get('slow')).toMatchObject({ count: 1, p50: 30, max: 30 });
    expect(o.latency.get('fast')).toMatchObject({ count: 2, p50: 20, p99: 40, max: 40 });
    expect({ missing: o.missing, doubled: o.doubled, unexpected: o.unexpected }).toEqual({ missing: 0, doubled: 1, unexpected: 0 });
  });

  it('counts what is missing, and what appears for a record below the limit or never produced', () => {
    const seen = new Map([
      ['0/1', [1_050]],
      ['9/9', [3_000]],
      ['1/1', [2_025]],
    ]);
    const o = outcome(produced, seen, phases);
    expect({ missing: o.missing, doubled: o.doubled, unexpected: o.unexpected }).toEqual({ missing: 3, doubled: 0, unexpected: 2 });
    expect(o.latency.get('slow')!.count).toBe(0);
  });
});
