import { type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { guarded, operate, operatorSubscriber } from '../operate.ts';
import type { SourceRef } from '../../types.ts';
import { eventTime } from './eventTime.ts';
import type { Judged } from './judged.ts';

/** What a stateful rule does with one record, given in event-time order; made once per subscription. */
export interface EventTimeJudge {
  judge(judged: Judged, time: number): Judged;
  /** Releases the rule's state at teardown. */
  clear(): void;
}

/**
 * Releases what is held after `ms` of processing time with no new record: without it, the last
 * records before a pause would wait for the next record, for ever on a quiet topic. After such a
 * flush the watermark jumps to the newest event time released.
 */
export interface IdleFlush {
  readonly ms: number;
  /** The input is already in event-time order (another event-time rule is upstream): hold nothing. */
  readonly ordered?: boolean;
  /** Measures the idle time: the virtual scheduler of a marble test, `asyncScheduler` otherwise. */
  readonly scheduler?: SchedulerLike;
}

interface Pending {
  readonly judged: Judged;
  readonly time: number;
}

const compareRefs = (a: SourceRef, b: SourceRef): number =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : a.partition - b.partition || a.offset - b.offset;

// Ties in event time (timestamps have second resolution) are broken by ref, so the order, and
// with it every decision, does not depend on the order of arrival.
const byEventTime = (a: Pending, b: Pending): number => a.time - b.time || compareRefs(a.judged.record.ref, b.judged.record.ref);

/**
 * Runs a stateful rule in event-time order, whatever the order of arrival within the allowed
 * lateness: the way Flink's event-time operators do it, driven by the watermark, with no timer.
 *
 * The watermark is the highest event time seen minus `allowedLatenessMs`. Each record is held
 * until the watermark passes its event time (no record that is not late can come before it any
 * more), then judged with the others it releases, in event-time order (ties by ref). On
 * completion, everything held is judged and emitted. The cost is latency: a record leaves about
 * `allowedLatenessMs` of event time after it arrived, and the output is in event-time order.
 *
 * With `idle.ordered` nothing is held: records are judged as they arrive, and one older than a
 * record already judged is late. That is the mode for a rule placed after another event-time
 * rule, whose output is already in event-time order, ties broken.
 *
 * A record older than the watermark when it arrives is late: it is emitted at once with
 * `late: true`, unjudged, and leaves the state untouched. A record already marked late by an
 * earlier rule passes at once, unjudged, too.
 *
 * ```
 * source:  -a-b-c-|          event times: a = 10:00, b = 10:10, c = 10:05
 *          inEventTimeOrder(5 min, ...)
 * output:  ---A-(CB|)        A leaves when b moves the watermark to 10:05; c, b on completion
 * ```
 *
 * @param rule the rule's name, for errors.
 * @param allowedLatenessMs how far behind the highest event time seen a record may arrive, >= 0.
 * @param create makes the rule's judge, with fresh state, for each subscription.
 * @param idle when given, held records are released after this much processing time without a new one.
 * @return An Observable of every judgement, in event-time order except for late ones.
 */
export function inEventTimeOrder(
  rule: string,
  allowedLatenessMs: number,
  create: () => EventTimeJudge,
  idle?: IdleFlush,
): OperatorFunction<Judged, Judged> {
  if (!(allowedLatenessMs >= 0 && allowedLatenessMs < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`${rule}: allowedLatenessMs must be a finite number >= 0, got ${allowedLatenessMs}`);
  }
  return operate<Judged, Judged>((subscriber, source) => {
    const judge = create();
    let watermark = Number.NEGATIVE_INFINITY;
    let pending: Pending[] = [];
    const ordered = idle?.ordered ?? false;
    let lastArrival = 0;
    let idleTimer: Subscription | null = null;
    // One timer at a time, re-armed for the remainder when records kept arriving meanwhile.
    const armIdleTimer = (delay: number): void => {
      if (!idle || idleTimer !== null) return;
      const scheduler = idle.scheduler ?? asyncScheduler;
      idleTimer = scheduler.schedule(() => {
        idleTimer = null;
        const quiet = scheduler.now() - lastArrival;
        if (quiet < idle.ms) return armIdleTimer(idle.ms - quiet);
        flushIdle();
      }, delay);
    };
    // Run by a timer: a throw while judging must end the output, not reach the scheduler.
    const flushIdle = guarded(subscriber, (): void => {
      if (pending.length === 0) return;
      const ready = pending;
      pending = [];
      // The watermark catches up with the newest event: what comes older is late from now on.
      watermark = Math.max(watermark, ready[ready.length - 1]!.time);
      release(ready);
    });
    // `pending` is kept sorted by event time (then ref); records mostly come in order, so an
    // insertion is usually a push, and what the watermark releases is a prefix.
    const insert = (p: Pending): void => {
      let hi = pending.length;
      if (hi === 0 || byEventTime(pending[hi - 1]!, p) <= 0) {
        pending.push(p);
        return;
      }
      let lo = 0;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (byEventTime(pending[mid]!, p) <= 0) lo = mid + 1;
        else hi = mid;
      }
      pending.splice(lo, 0, p);
    };
    const release = (ready: Pending[]): void => {
      for (const { judged, time } of ready) {
        if (subscriber.closed) return;
        subscriber.next(judge.judge(judged, time));
      }
    };
    const accept = (judged: Judged): void => {
      if (judged.late) return subscriber.next(judged);
      const time = eventTime(judged.record.transaction);
      if (time < watermark) return subscriber.next({ ...judged, late: true });
      if (ordered) {
        // The input is already in event-time order (ties broken): judge at once.
        watermark = time;
        return subscriber.next(judge.judge(judged, time));
      }
      insert({ judged, time });
      if (time - allowedLatenessMs <= watermark) return;
      watermark = time - allowedLatenessMs;
      let count = 0;
      while (count < pending.length && pending[count]!.time < watermark) count++;
      if (count === 0) return;
      // Taken out of `pending` before emitting: the subscriber may re-enter.
      release(pending.splice(0, count));
    };
    // Like RxJS's own operators, an error thrown while judging (a bad timestamp) ends the stream.
    source.subscribe(operatorSubscriber<Judged>(subscriber, {
      next: (judged) => {
        accept(judged);
        if (idle && pending.length > 0) {
          lastArrival = (idle.scheduler ?? asyncScheduler).now();
          armIdleTimer(idle.ms);
        }
      },
      complete: () => {
        idleTimer?.unsubscribe();
        const ready = pending;
        pending = [];
        release(ready);
        subscriber.complete();
      },
    }));
    return () => {
      idleTimer?.unsubscribe();
      pending = [];
      judge.clear();
    };
  });
}
