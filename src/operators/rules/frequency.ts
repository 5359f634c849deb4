import type { OperatorFunction } from 'rxjs';
import { type AccountRule, NO_FLAGS } from './accountRule.ts';
import { type DecideOnArrivalOptions, decideOnArrival } from './decideOnArrival.ts';
import { formatDuration } from './formatDuration.ts';
import type { Judged } from './judged.ts';

export interface FrequencyOptions {
  /** How many transactions of one account a window may hold; one more fires. 5 by default. */
  readonly max?: number;
  /** The sliding window, in event time: [t − windowMs, t], both ends included. 10 min by default. */
  readonly windowMs?: number;
  /** An account idle this long in event time is forgotten; >= windowMs, 2 × windowMs by default. */
  readonly ttlMs?: number;
}

/**
 * An account's transaction times within the window: a view `[from, to)` of an array that later
 * states of the same history share. A step appends in place when its state is the newest view
 * (`to` is the array's end) and copies otherwise (a revision replaying from an older state), so
 * that every state handed out stays as it was while the in-order path costs O(1), not a copy of
 * the window per transaction. Written down (JSON) as the plain array of its times.
 */
class Times {
  constructor(
    private readonly times: number[],
    private readonly from: number,
    private readonly to: number,
  ) {}

  static of(state: Times | readonly number[]): Times {
    return state instanceof Times ? state : new Times([...state], 0, state.length);
  }

  get length(): number {
    return this.to - this.from;
  }

  /** The times within `[time - windowMs, ...]`, then `time`. */
  next(time: number, windowMs: number): Times {
    let { times, from, to } = this;
    while (from < to && times[from]! < time - windowMs) from++;
    if (to !== times.length) [times, from, to] = [times.slice(from, to), 0, to - from];
    else if (from > 64 && from * 2 > times.length) [times, from, to] = [times.slice(from), 0, to - from];
    times.push(time);
    return new Times(times, from, to + 1);
  }

  toJSON(): number[] {
    return this.times.slice(this.from, this.to);
  }
}

/**
 * The frequency rule for {@link decideOnArrival}: fires when an account has made more than `max`
 * transactions in the `windowMs` (event time) up to and including this one. Its state is the
 * account's transaction times within the window (an array when restored from a checkpoint).
 */
export function frequencyRule({ max = 5, windowMs = 10 * 60_000, ttlMs = 2 * windowMs }: FrequencyOptions = {}): AccountRule<Times | readonly number[]> {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`frequency: max must be an integer >= 1, got ${max}`);
  if (!(windowMs > 0 && windowMs < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`frequency: windowMs must be a finite number > 0, got ${windowMs}`);
  }
  if (!(ttlMs >= windowMs)) throw new RangeError(`frequency: ttlMs must be >= windowMs (${windowMs}), got ${ttlMs}`);
  const reason = `frequency>${max}/${formatDuration(windowMs)}`;
  return {
    name: 'frequency',
    version: 1,
    ttlMs,
    init: () => [],
    step: (state, _transaction, time) => {
      const next = Times.of(state).next(time, windowMs);
      return { state: next, flags: next.length > max ? [{ reason, score: next.length / max }] : NO_FLAGS };
    },
  };
}

/**
 * Flags a transaction when its account has made more than `max` transactions in the `windowMs`
 * (event time) up to and including it: a burst of card testing or of a drained account. Reason
 * `frequency>5/10min`, score count / max (> 1 when it fires).
 *
 * Decided on arrival (see {@link decideOnArrival}): a transaction that arrives out of order within
 * the allowed lateness is counted where it belongs, and the later ones it changes are revised.
 *
 * ```
 * source:  -a-a-a-b-|      a: 3 transactions of one account within the window, b: another account
 *          frequency({ max: 2 })
 * output:  -a-a-A-b-|      A = a + { reasons: ['frequency>2/10min'], score: 1.5 }
 * ```
 *
 * @example
 * records$.pipe(judge(), frequency({ max: 10, windowMs: 60 * 60_000 }), suspiciousOnly())
 *
 * @param options the limit, the window, the TTL of an idle account, and `decideOnArrival`'s options.
 * @return Every judgement as it arrives, and the revisions.
 */
export function frequency(options: FrequencyOptions & DecideOnArrivalOptions = {}): OperatorFunction<Judged, Judged> {
  return decideOnArrival([frequencyRule(options)], options);
}
