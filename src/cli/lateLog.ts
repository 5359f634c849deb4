/**
 * Late transactions, logged with their coordinates as Kafka Streams logs each record it drops as
 * late, but at most one line a second per partition: a replay of an old backlog can make every
 * record late, and a line each would drown the log. Each line counts those since the partition's
 * previous line and gives their offsets (the list when short, else the first and last) and how far
 * behind the watermark the latest was at most.
 *
 * ```
 * late:   a-bc-----------d-----------   (a frame of 100 ms)
 * lines:  A---------B---------C------   A = a at once; B = b and c, 1 s after A; C = d, 1 s after B
 * ```
 *
 * `late: 1 transaction on transaction/0 (offset 205), 61.5s behind the watermark`
 * `late: 2 transactions on transaction/0 since the last line (offsets 207, 209), up to 3600s behind the watermark`
 *
 * @example
 * const late = lateLog(log);
 * judged$.subscribe((j) => j.late && late.late(j.record.ref, watermark - eventTime(j.record.transaction)));
 * // on stop: late.close()
 */
import { type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import type { SourceRef } from '../types.ts';

/** Offsets listed one by one up to this many in a line; beyond, the first and last. */
const LISTED = 5;

export interface LateLog {
  /** A late transaction at `ref`, `behindMs` of event time behind its partition's watermark (undefined: not known). */
  late(ref: SourceRef, behindMs?: number): void;
  /** Says what is still unsaid and stops the timers. */
  close(): void;
}

interface Partition {
  readonly name: string;
  count: number;
  offsets: number[];
  last: number;
  behindMs: number | undefined;
  saidAt: number;
  timer: Subscription | undefined;
}

/**
 * @param log where the lines go.
 * @param options `everyMs` between two lines of a partition (1 000), the `scheduler` whose clock
 * and timers it uses (`asyncScheduler`; a virtual one in tests).
 */
export function lateLog(log: (line: string) => void, options: { everyMs?: number; scheduler?: SchedulerLike } = {}): LateLog {
  const { everyMs = 1000, scheduler = asyncScheduler } = options;
  const partitions = new Map<string, Partition>();

  const say = (p: Partition): void => {
    p.timer = undefined;
    if (p.count === 0) return;
    const offsets = p.count <= LISTED ? `${p.count === 1 ? 'offset' : 'offsets'} ${p.offsets.join(', ')}` : `offsets ${p.offsets[0]} to ${p.last}`;
    const behind = p.behindMs === undefined ? '' : `, ${p.count === 1 ? '' : 'up to '}${p.behindMs / 1000}s behind the watermark`;
    const since = p.saidAt > Number.NEGATIVE_INFINITY ? ' since the last line' : '';
    log(`late: ${p.count} transaction${p.count === 1 ? '' : 's'} on ${p.name}${since} (${offsets})${behind}`);
    p.saidAt = scheduler.now();
    p.count = 0;
    p.offsets = [];
    p.behindMs = undefined;
  };

  return {
    late(ref, behindMs) {
      const name = `${ref.source}/${ref.partition}`;
      let p = partitions.get(name);
      if (p === undefined) {
        p = { name, count: 0, offsets: [], last: 0, behindMs: undefined, saidAt: Number.NEGATIVE_INFINITY, timer: undefined };
        partitions.set(name, p);
      }
      p.count++;
      if (p.offsets.length < LISTED) p.offsets.push(ref.offset);
      p.last = ref.offset;
      if (behindMs !== undefined) p.behindMs = Math.max(p.behindMs ?? behindMs, behindMs);
      if (p.timer !== undefined) return;
      const wait = p.saidAt + everyMs - scheduler.now();
      if (wait <= 0) say(p);
      else {
        const due = p;
        p.timer = scheduler.schedule(() => say(due), wait);
      }
    },
    close() {
      for (const p of partitions.values()) {
        p.timer?.unsubscribe();
        say(p);
      }
      partitions.clear();
    },
  };
}
