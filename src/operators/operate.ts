import { Observable, type Observer, type OperatorFunction, type Subscriber, Subscription, type TeardownLogic } from 'rxjs';

/**
 * The one way vigie writes an operator by hand, with RxJS's own contract: a throw in any handler
 * (next, error, complete, or a callback run later by a timer, via {@link guarded}) ends the output
 * with that error instead of escaping to the producer or the scheduler, and the source's
 * subscriber is chained to the output before the source is subscribed, so a synchronous source
 * sees the consumer leave at once.
 *
 * ```
 * source:  -a--b--c--|
 *          operate((subscriber, source) => source.subscribe(operatorSubscriber(subscriber, { next: (x) => { if (x === 'b') throw e; subscriber.next(x) } })))
 * output:  -a--#            # = e; the source is unsubscribed at b
 * ```
 *
 * @example
 * const double = <T>() => operate<T, T>((subscriber, source) => {
 *   source.subscribe(operatorSubscriber(subscriber, { next: (x) => { subscriber.next(x); subscriber.next(x); } }));
 * });
 *
 * @param init subscribes to the source for one consumer; what it returns runs at teardown.
 * @return The operator.
 */
export function operate<T, R>(init: (subscriber: Subscriber<R>, source: Observable<T>) => TeardownLogic): OperatorFunction<T, R> {
  // A throw from `init` itself: `new Observable` already hands it to the subscriber's error.
  return (source) => new Observable<R>((subscriber) => init(subscriber, source));
}

/** What an operator does with its source's notifications; by default it passes each on. */
export interface OperatorHandlers<T> {
  readonly next?: (value: T) => void;
  readonly error?: (error: unknown) => void;
  readonly complete?: () => void;
}

/**
 * Not RxJS's `Subscriber` (its constructor is deprecated): a Subscription that is also an
 * Observer is taken by `subscribe` as the source's subscriber itself, so its `closed` is what a
 * synchronous source checks.
 */
class OperatorSubscriber<T> extends Subscription implements Observer<T> {
  private stopped = false;

  constructor(
    private readonly destination: Subscriber<unknown>,
    private readonly handlers: OperatorHandlers<T>,
  ) {
    super();
    destination.add(this);
  }

  next(value: T): void {
    if (this.stopped) return;
    const { next } = this.handlers;
    if (next === undefined) return this.destination.next(value);
    try {
      next(value);
    } catch (error) {
      this.destination.error(error);
    }
  }

  error(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    const handler = this.handlers.error;
    try {
      if (handler === undefined) this.destination.error(error);
      else handler(error);
    } catch (thrown) {
      this.destination.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.stopped) return;
    this.stopped = true;
    const handler = this.handlers.complete;
    try {
      if (handler === undefined) this.destination.complete();
      else handler();
    } catch (thrown) {
      this.destination.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    this.stopped = true;
    super.unsubscribe();
  }
}

/**
 * The source's subscriber for an operator: each handler's throw goes to `destination.error`, and
 * it is unsubscribed with `destination`, which it joins before the source is subscribed.
 *
 * @param destination the operator's output.
 * @param handlers what to do with the source's next, error and complete (default: pass them on).
 * @return The subscriber to hand to `source.subscribe`.
 */
export function operatorSubscriber<T>(destination: Subscriber<unknown>, handlers: OperatorHandlers<T>): Observer<T> & Subscription {
  return new OperatorSubscriber(destination, handlers);
}

/**
 * Wraps a callback run outside the source's notifications (a timer, an inner Observable's
 * completion) so that its throw ends `destination` with that error instead of reaching the scheduler.
 */
export function guarded<A extends unknown[]>(destination: Subscriber<unknown>, callback: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      destination.error(error);
    }
  };
}
