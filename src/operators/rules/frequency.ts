import type { OperatorFunction } from 'rxjs';
import { accountOf, formatDuration } from './eventTime.ts';
import { type IdleFlush, inEventTimeOrder } from './inEventTimeOrder.ts';
import { type Judged, flag } from './judged.ts';
import { KeyedState } from './keyedState.ts';

export interface FrequencyOptions {
  /** How many transactions of one account a window may hold; one more fires. 5 by default. */
  readonly max?: number;
  /** The sliding window, in event time: [t − windowMs, t], both ends included. 10 min by default. */
  readonly windowMs?: number;
  /** An account idle this long in event time is forgotten; >= windowMs, 2 × windowMs by default. */
  readonly ttlMs?: number;
  /** How late (in event time) a record may arrive and still be judged; 5 min by default. */
  readonly allowedLatenessMs?: number;
  /** Release held records after this long without a new one (processing time); see `IdleFlush`. */
  readonly idle?: IdleFlush;
  /** Called with the number of accounts held after each record: for tests and metrics. */
  readonly onStateSize?: (size: number) => void;
}

/**
 * Flags a transaction when its account has made more than `max` transactions in the `windowMs`
 * (event time) up to and including it: a burst of card testing or of a drained account. Reason
 * `frequency>5/10min`, score count / max (> 1 when it fires).
 *
 * Records are judged in event-time order (see `inEventTimeOrder`): the decisions do not depend on
 * the order of arrival within `allowedLatenessMs`, at the cost of that much latency. Late records
 * are marked late and not counted. The state holds, per account active within `ttlMs`, the times
 * of its transactions in the window.
 *
 * ```
 * source:  -a-a-a-b-|      a: 3 transactions of one account within the window, b: another account
 *          frequency({ max: 2, allowedLatenessMs: 0 })
 * output:  ---a-a-A-(b|)   A = a + { reasons: ['frequency>2/10min'], score: 1.5 }
 * ```
 *
 * @example
 * records$.pipe(judge(), frequency({ max: 10, windowMs: 60 * 60_000 }), suspiciousOnly())
 *
 * @param options the limit, the window, the TTL of an idle account and the allowed lateness.
 * @return An Observable of every judgement, in event-time order except for late ones.
 */
export function frequency({
  max = 5,
  windowMs = 10 * 60_000,
  ttlMs = 2 * windowMs,
  allowedLatenessMs = 5 * 60_000,
  idle,
  onStateSize,
}: FrequencyOptions = {}): OperatorFunction<Judged, Judged> {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`frequency: max must be an integer >= 1, got ${max}`);
  if (!(windowMs > 0 && windowMs < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`frequency: windowMs must be a finite number > 0, got ${windowMs}`);
  }
  if (!(ttlMs >= windowMs)) throw new RangeError(`frequency: ttlMs must be >= windowMs (${windowMs}), got ${ttlMs}`);
  const reason = `frequency>${max}/${formatDuration(windowMs)}`;
  return inEventTimeOrder('frequency', allowedLatenessMs, () => {
    const accounts = new KeyedState<number[]>(ttlMs, onStateSize);
    return {
      judge: (judged, time) => {
        const times = accounts.touch(accountOf(judged.record.transaction), time, () => []);
        while (times.length > 0 && (times[0] as number) < time - windowMs) times.shift();
        times.push(time);
        return times.length > max ? flag(judged, reason, times.length / max) : judged;
      },
      clear: () => accounts.clear(),
    };
  }, idle);
}
