/**
 * Issue 19, finding 8: late transactions were counted but never logged with their coordinates.
 * The log is rate-limited per partition; a virtual scheduler drives its clock and timers.
 */
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lateLog } from '../../src/cli/lateLog.ts';

const ref = (partition: number, offset: number) => ({ source: 'transaction', partition, offset });

/** Runs `calls` (each at its virtual ms) and returns the lines with the virtual ms they were logged at. */
function run(calls: [at: number, call: (late: ReturnType<typeof lateLog>) => void][], closeAt?: number): [number, string][] {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Number.POSITIVE_INFINITY);
  const lines: [number, string][] = [];
  const late = lateLog((line) => lines.push([scheduler.now(), line]), { scheduler });
  for (const [at, call] of calls) scheduler.schedule(() => call(late), at);
  if (closeAt !== undefined) scheduler.schedule(() => late.close(), closeAt);
  scheduler.flush();
  return lines;
}

describe('lateLog', () => {
  it('logs the first at once, then at most a line a second per partition with the count since (the doc example)', () => {
    expect(run([
      [0, (l) => l.late(ref(0, 205), 61_500)],
      [200, (l) => l.late(ref(0, 207), 3_600_000)],
      [300, (l) => l.late(ref(0, 209), 12_000)],
      [1500, (l) => l.late(ref(0, 300), 31_000)],
    ])).toEqual([
      [0, 'late: 1 transaction on transaction/0 (offset 205), 61.5s behind the watermark'],
      [1000, 'late: 2 transactions on transaction/0 since the last line (offsets 207, 209), up to 3600s behind the watermark'],
      [2000, 'late: 1 transaction on transaction/0 since the last line (offset 300), 31s behind the watermark'],
    ]);
  });

  it('keeps each partition to its own second', () => {
    expect(run([
      [0, (l) => l.late(ref(0, 1), 1000)],
      [100, (l) => l.late(ref(1, 7), 2000)],
      [200, (l) => l.late(ref(0, 2), 1000)],
      [2500, (l) => l.late(ref(1, 8), 2000)],
    ])).toEqual([
      [0, 'late: 1 transaction on transaction/0 (offset 1), 1s behind the watermark'],
      [100, 'late: 1 transaction on transaction/1 (offset 7), 2s behind the watermark'],
      [1000, 'late: 1 transaction on transaction/0 since the last line (offset 2), 1s behind the watermark'],
      [2500, 'late: 1 transaction on transaction/1 since the last line (offset 8), 2s behind the watermark'],
    ]);
  });

  it('gives the first and last offsets of a long run, and no lateness it does not know', () => {
    const calls: [number, (l: ReturnType<typeof lateLog>) => void][] = [[0, (l) => l.late(ref(3, 99))]];
    for (let i = 0; i < 500; i++) calls.push([1 + i, (l) => l.late(ref(3, 100 + i * 2), i === 250 ? undefined : 1000 + i)]);
    expect(run(calls)).toEqual([
      [0, 'late: 1 transaction on transaction/3 (offset 99)'],
      [1000, 'late: 500 transactions on transaction/3 since the last line (offsets 100 to 1098), up to 1.499s behind the watermark'],
    ]);
  });

  it('says what is unsaid on close, and no timer fires after', () => {
    expect(run([
      [0, (l) => l.late(ref(0, 1), 1000)],
      [10, (l) => l.late(ref(0, 2), 1000)],
    ], 20)).toEqual([
      [0, 'late: 1 transaction on transaction/0 (offset 1), 1s behind the watermark'],
      [20, 'late: 1 transaction on transaction/0 since the last line (offset 2), 1s behind the watermark'],
    ]);
  });
});
