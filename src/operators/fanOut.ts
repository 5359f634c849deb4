import { type OperatorFunction, ignoreElements, merge } from 'rxjs';
import { broadcast } from './broadcast.ts';

/**
 * Sends every item to each of several branches (sinks, typically) through one subscription to
 * the source, and merges what the branches emit.
 *
 * All branches are subscribed before the source starts, so none misses the first items; the
 * output completes when every branch has completed (so a sink's last batch is flushed first).
 * A synchronous source stops as soon as the consumer leaves. With no branch at all, items are
 * consumed and dropped and the output completes with the source, not at once: what happens
 * upstream for each item (an acknowledgement, say) must still happen when a flow has no sink of
 * a kind.
 *
 * ```
 * source:  -a---b---|
 *          fanOut(map(x => x + '1'), map(x => x + '2'))
 * output:  -(xy)(zw)|     x = a1, y = a2, z = b1, w = b2
 * ```
 *
 * @example
 * detections$.pipe(fanOut(toPostgres(pool, sensorDetections), toJsonlLog(log)))
 *
 * @param branches the operators every item goes through, in order.
 * @return An Observable of everything the branches emit.
 */
export function fanOut<T, R>(...branches: OperatorFunction<T, R>[]): OperatorFunction<T, R> {
  if (branches.length === 0) return ignoreElements();
  // one branch needs no Subject: a cost per item on the flows' hot path
  if (branches.length === 1) return branches[0]!;
  return broadcast((shared) => merge(...branches.map((branch) => shared.pipe(branch))));
}
