/**
 * The chaos harness's patience (chaos/recovery.ts). `npm run chaos -- --seed 1 --quick` at load 13
 * (2026-12-07 19:29 UTC) failed with "not recovered: consumer-killed (transactions-2)" and lost,
 * doubled and left stuck nothing: the consumer was killed at +2 s, the broker SIGKILLed at +4 s for
 * 33 s, and the group caught up at +67 s, past the 60 s patience counted from +2 s. A recovery held
 * back by a later fault is now given its patience from that fault's end.
 *
 * The offset reader is a stand-in (a group that catches up at a chosen moment): what is tested is
 * the harness's clock, which no real broker can time; tests/chaos/chaos.test.ts runs the real thing.
 */
import { describe, expect, it } from 'vitest';
import type { OffsetReader } from '../../chaos/offsets.ts';
import { recovery, sharedPatience } from '../../chaos/recovery.ts';
import { sleep } from '../../chaos/producers.ts';

const group = { group: 'g', topic: 't' };
/** A group whose one partition is committed to its end from `at` on. */
const catchingUpAt = (at: number): OffsetReader => ({
  positions: async () => new Map([[0, { committed: Date.now() >= at ? 10 : 3, end: 10 }]]),
  ends: async () => new Map([[0, 10]]),
  close: async () => {},
});

describe('chaos: recovery patience', () => {
  it('waits for a fault still healing while a later one is injected, and counts its patience from the later end', async () => {
    const patience = sharedPatience(1_000);
    const start = Date.now();
    // the consumer killed: ends at once
    const killed = await patience.inject(async () => ({ endedAt: Date.now() }));
    // its group catches up 1.3 s after its end: after the 1 s patience, but only 0.4 s after the broker's end
    const healed = recovery(catchingUpAt(start + 1_300), { groups: [group] }, killed.endedAt, patience.deadline);
    // the broker down for 0.9 s, from 0.1 s after
    await sleep(100);
    await patience.inject(async () => {
      await sleep(800);
      return { endedAt: Date.now() };
    });
    const ms = await healed;
    expect(ms, 'recovered, its patience counted from the broker\'s end').not.toBeNull();
    expect(ms!).toBeGreaterThanOrEqual(1_200);
  }, 10_000);

  it('still reports a fault that does not heal within its patience of the last end', async () => {
    const patience = sharedPatience(600);
    const killed = await patience.inject(async () => ({ endedAt: Date.now() }));
    expect(await recovery(catchingUpAt(Date.now() + 60_000), { groups: [group] }, killed.endedAt, patience.deadline)).toBeNull();
  }, 10_000);

  it('has no deadline while a fault is being injected, and the latest end once none is', async () => {
    let now = 1_000;
    const patience = sharedPatience(60_000, () => now);
    let release!: () => void;
    const broker = patience.inject(() => new Promise<{ endedAt: number }>((resolve) => (release = () => resolve({ endedAt: 35_000 }))));
    expect(patience.deadline()).toBe(Infinity);
    release();
    await broker;
    expect(patience.deadline()).toBe(95_000);
    now = 40_000;
    await expect(patience.inject(() => Promise.reject(new Error('the server did not come back')))).rejects.toThrow('did not come back');
    expect(patience.deadline(), 'a failed injection ends now').toBe(100_000);
  });
});
