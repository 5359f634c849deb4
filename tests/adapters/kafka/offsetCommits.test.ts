/**
 * Commits of a flow with state follow its checkpoints: a snapshot is taken at the partitions'
 * positions, written once every record below them is acknowledged, and exactly those offsets are
 * committed. No broker here: `offsetCommits` is given the consumer's commit as a function, and
 * the test says what the consumer would have emitted and acknowledged (OffsetTracker).
 */
import { describe, expect, it } from 'vitest';
import { offsetCommits } from '../../../src/adapters/kafka/offsetCommits.ts';
import { OffsetTracker } from '../../../src/adapters/kafka/offsetTracker.ts';
import type { Snapshot } from '../../../src/state/checkpoints.ts';

function setUp() {
  const tracker = new OffsetTracker();
  const committed: string[] = [];
  const events: string[] = [];
  let clock = 0;
  const commits = offsetCommits({
    tracker,
    commitOffsets: async (offsets) => void committed.push(...offsets.map((o) => `${o.partition}@${o.offset}`)),
    rebalancing: () => false,
    log: (line) => events.push(line),
    timeoutMs: 1_000,
    checkpointIntervalMs: 5_000,
    now: () => clock,
    state: {
      snapshot: (offsets) => {
        events.push(`snapshot ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
        return { offsets };
      },
      write: async (snapshot: Snapshot, partitions) => void events.push(`write ${(partitions ?? snapshot.offsets).map((o) => `${o.partition}@${(o as { offset: number }).offset}`).join(',')}`),
    },
  });
  const emit = (partition: number, from: number, to: number): void => {
    for (let o = from; o < to; o++) tracker.track('t', partition, o);
  };
  const ack = (partition: number, from: number, to: number): void => {
    for (let o = from; o < to; o++) tracker.ack('t', partition, o);
  };
  return { tracker, commits, committed, events, emit, ack, advance: (ms: number) => void (clock += ms) };
}

describe('offsetCommits with state', () => {
  it('snapshots at the positions every interval, writes once the records below are acknowledged, then commits exactly those offsets', async () => {
    const { commits, committed, events, emit, ack, advance } = setUp();
    emit(0, 0, 10);
    ack(0, 0, 10);
    await commits.commit(true); // before the interval: nothing
    expect(events).toEqual([]);
    advance(5_000);
    emit(0, 10, 15); // emitted, not written yet
    await commits.commit(true);
    expect(events).toEqual(['snapshot 0@15']);
    expect(committed).toEqual([]);
    ack(0, 10, 14);
    await commits.commit(true);
    expect(committed).toEqual([]); // 14 is still being written
    ack(0, 14, 15);
    emit(0, 15, 20); // after the snapshot: not in it
    await commits.commit(true);
    expect(events).toEqual(['snapshot 0@15', 'write 0@15']);
    expect(committed).toEqual(['0@15']);
  });

  it('leaves out a partition revoked before its snapshot was written, and commits the others', async () => {
    const { tracker, commits, committed, events, emit, ack, advance } = setUp();
    emit(0, 0, 5);
    emit(1, 0, 5);
    advance(5_000);
    await commits.commit(true);
    expect(events).toEqual(['snapshot 0@5,1@5']);
    tracker.revoke([{ topic: 't', partition: 1 }]); // its records' fate is unknown here now
    ack(0, 0, 5);
    await commits.commit(true);
    expect(events).toEqual(['snapshot 0@5,1@5', 'write 0@5']);
    expect(committed).toEqual(['0@5']);
  });

  it('at a stop, writes what was pending and then the state as it ends', async () => {
    const { commits, committed, events, emit, ack, advance } = setUp();
    emit(0, 0, 5);
    advance(5_000);
    await commits.commit(true);
    emit(0, 5, 8);
    ack(0, 0, 8); // drained
    await commits.commit(false);
    expect(events).toEqual(['snapshot 0@5', 'write 0@5', 'snapshot 0@8', 'write 0@8']);
    expect(committed).toEqual(['0@5', '0@8']);
  });
});
