/**
 * `OffsetTracker.uncommitted`, the bound of a source whose commit writes its outputs (the fraud
 * CLI's backpressure): for any run of tracks (with gaps), acknowledgements, commits and revokes,
 * it equals the records emitted and not committed counted by offsets, recomputed from scratch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/adapters/kafka/offsetTracker.ts';

type Step =
  | { readonly kind: 'track'; readonly partition: number; readonly gap: number }
  | { readonly kind: 'ack'; readonly partition: number }
  | { readonly kind: 'commit'; readonly partition: number }
  | { readonly kind: 'revoke'; readonly partition: number };

const partition = fc.integer({ min: 0, max: 2 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('track' as const), partition, gap: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('ack' as const), partition }),
  fc.record({ kind: fc.constant('commit' as const), partition }),
  fc.record({ kind: fc.constant('revoke' as const), partition }),
);

describe('OffsetTracker.uncommitted', () => {
  it('is the records emitted and not committed (by offsets, gaps counted), whatever the run', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const tracker = new OffsetTracker();
        // the model: per partition, the first offset not committed and the next to track
        const model = new Map<number, { from: number; next: number; acked: number }>();
        let next = [0, 0, 0];
        for (const s of steps) {
          const p = s.partition;
          if (s.kind === 'track') {
            const offset = next[p]! + s.gap - 1;
            tracker.track('t', p, offset);
            const m = model.get(p) ?? { from: offset, next: offset, acked: offset };
            model.set(p, { ...m, next: offset + 1 });
            next[p] = offset + 1;
          } else if (s.kind === 'ack') {
            const m = model.get(p);
            if (m === undefined) continue;
            for (let o = m.acked; o < m.next; o++) tracker.ack('t', p, o);
            m.acked = m.next;
          } else if (s.kind === 'commit') {
            const [offset] = tracker.committable().filter((c) => c.partition === p).map((c) => c.offset);
            if (offset === undefined) continue;
            tracker.markCommitted([{ topic: 't', partition: p, offset }]);
            model.get(p)!.from = offset;
          } else {
            tracker.revoke([{ topic: 't', partition: p }]);
            model.delete(p);
          }
          const expected = [...model.values()].reduce((sum, m) => sum + Math.max(0, m.next - m.from), 0);
          expect(tracker.uncommitted).toBe(expected);
        }
        next = [0, 0, 0];
      }),
      { numRuns: 300 },
    );
  });
});
