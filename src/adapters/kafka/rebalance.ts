/**
 * `fromKafka`'s view of its group membership: which partitions it owns, what a new assignment
 * revokes, and where each assigned partition is read from.
 *
 * - Revoked partitions are dropped from the {@link OffsetTracker} when the new assignment arrives,
 *   so nothing of theirs is committed by the new generation; their state goes too (emitted from
 *   or not), so a partition kept is never reloaded and one that comes back is. Another member id
 *   means the consumer was out of the group: every partition counts as revoked.
 * - kafkajs's eager protocol re-reads every kept partition from the broker's committed offset:
 *   kept partitions are sought past what was already emitted, so a record is emitted once per
 *   assignment.
 * - `earliest` seeks a partition to its beginning the first time it is assigned only.
 * - Between kafkajs's REBALANCING and the next GROUP_JOIN `rebalancing()` is true: no periodic
 *   commit starts then.
 */
import type { Consumer, ConsumerGroupJoinEvent } from 'kafkajs';
import type { OffsetTracker, TopicPartition } from './offsetTracker.ts';
import type { PartitionStates } from './partitionStates.ts';

export interface RebalanceOptions {
  readonly tracker: OffsetTracker;
  readonly states: PartitionStates;
  readonly start: 'committed' | 'earliest' | 'latest';
  /** Partitions were revoked: records in flight may no longer be waited for. */
  readonly revoked: () => void;
}

export interface Rebalance {
  rebalancing(): boolean;
  /** kafkajs's REBALANCING. */
  began(): void;
  /** kafkajs's GROUP_JOIN, on the consumer `c` that joined. */
  joined(c: Consumer, payload: ConsumerGroupJoinEvent['payload']): void;
  /** The consumer crashed: it owns nothing any more, and will join under a new member id. */
  crashed(): void;
}

export function createRebalance({ tracker, states, start, revoked }: RebalanceOptions): Rebalance {
  let memberId: string | undefined;
  let assigned: TopicPartition[] = [];
  let rebalancing = false;
  const started = new Set<string>();
  return {
    rebalancing: () => rebalancing,
    began() {
      rebalancing = true;
    },
    joined(c, payload) {
      rebalancing = false;
      const now = Object.entries(payload.memberAssignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
      const owned = new Set(now.map(key));
      const same = payload.memberId === memberId;
      tracker.revoke(same ? assigned.filter((tp) => !owned.has(key(tp))) : tracker.partitions());
      // Every state loaded here and lost, emitted from or not (a partition whose restore
      // sought back emitted nothing): when it comes back, another member may have moved it on.
      states.forget(states.loaded().filter((tp) => !same || !owned.has(key(tp))));
      revoked();
      memberId = payload.memberId;
      assigned = now;
      for (const tp of now) {
        const last = tracker.lastTracked(tp.topic, tp.partition);
        if (last !== undefined) c.seek({ ...tp, offset: String(last + 1) });
        else if (start === 'earliest' && !started.has(key(tp))) c.seek({ ...tp, offset: '-2' });
        started.add(key(tp));
      }
    },
    crashed() {
      states.forget(states.loaded());
      tracker.revoke(tracker.partitions());
      revoked();
      memberId = undefined;
      rebalancing = false;
    },
  };
}

function key({ topic, partition }: TopicPartition): string {
  return `${topic}\u0000${partition}`;
}
