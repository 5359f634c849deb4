/**
 * Issue 19, finding 5: a partition whose state a member loaded, but from which it emitted
 * nothing, kept that state after the member's id changed, and got it back later without a restore.
 *
 * The race, on the suite's real broker: member A loads partition 0's state (the state covers 10,
 * the group committed 20), and its restore is slow, longer than its session (6 s): kafkajs does
 * not heartbeat while a batch is handled, so the coordinator drops A and gives the partition to
 * B. B restores, reads from 10, and checkpoints its state at 30. A's restore then ends with the
 * state as of 10; the group committed past it, so A seeks back to 10 and emits nothing. A rejoins
 * under a new member id. `fromKafka` forgot, on a new member id, only the partitions that had
 * emitted, so when partition 0 came back to A (B leaving), A went on with its state as of 10
 * instead of restoring B's, as of 30.
 *
 * The checkpoints here are a double both members share (a database's offsets, in memory), so the
 * test can hold a restore at a chosen moment; what is checked is when `fromKafka` restores.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Subject } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { fromKafka } from '../../../src/adapters/kafka/fromKafka.ts';
import type { Checkpoints } from '../../../src/state/checkpoints.ts';
import { createTopic, produceAll, uniqueTopic } from '../../helpers/kafka.ts';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
const brokers = inject('kafkaBrokers');

/** The offset the partition's state covers, as the database holds it, shared by the members. */
function sharedState(covered: number) {
  return {
    get covered() {
      return covered;
    },
    /** A member's checkpoints: `restored` lists the offsets its restores read; the first waits for `gate`. */
    member(gate?: Promise<void>): Checkpoints & { restored: number[] } {
      const restored: number[] = [];
      return {
        restored,
        async restore() {
          const at = covered;
          restored.push(at);
          if (restored.length === 1 && gate !== undefined) await gate;
          return at;
        },
        snapshot: (offsets) => ({ offsets }),
        write: async (snapshot) => {
          for (const { offset } of snapshot.offsets) covered = Math.max(covered, offset);
        },
        revoke: () => {},
      };
    },
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ key: 'k', value: String(from + i) }));

describe('fromKafka with state, across a change of member id', () => {
  it('restores a partition it loaded but never emitted from, when it comes back', async () => {
    const topic = uniqueTopic('silent-state');
    const groupId = `g-${topic}`;
    await createTopic(brokers, topic, 1);
    await produceAll(brokers, topic, records(0, 30));
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const members = async (): Promise<number> => {
      const [group] = (await admin.describeGroups([groupId])).groups;
      return group!.state === 'Stable' ? group!.members.length : -1;
    };
    const state = sharedState(10);
    let release!: () => void;
    const a = state.member(new Promise<void>((resolve) => (release = resolve)));
    const b = state.member();
    const fromA: number[] = [];
    const stopA = new Subject<void>();
    const stopB = new Subject<void>();
    const options = { brokers, topics: [topic], groupId, sessionTimeoutMs: 6000, commitIntervalMs: 200, checkpointIntervalMs: 200 };
    try {
      // committed past the state (lost, or written by an older vigie): a restore then seeks back
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '20' }] });
      fromKafka({ ...options, state: a, stop$: stopA }).subscribe((r) => {
        fromA.push(r.offset);
        r.ack();
      });
      await waitFor(() => a.restored.length === 1, 30_000, 'A to load the state');
      const bDone = new Promise<void>((resolve) => fromKafka({ ...options, state: b, stop$: stopB }).subscribe({ next: (r) => r.ack(), complete: resolve }));
      await waitFor(() => state.covered === 30, 60_000, 'B, once the coordinator dropped A, to checkpoint 30');
      release();
      await waitFor(async () => (await members()) === 2, 60_000, 'A back in the group, under a new member id');
      stopB.next();
      await bDone;
      await waitFor(async () => (await members()) === 1, 60_000, 'A alone in the group');
      await produceAll(brokers, topic, records(30, 40));
      await waitFor(() => fromA.includes(39), 60_000, 'A to read the new records');
      expect(a.restored).toEqual([10, 30]);
      expect(fromA).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    } finally {
      release();
      stopA.next();
      stopB.next();
      await admin.disconnect();
    }
  }, 180_000);
});
