import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { guarded, operate, operatorSubscriber } from '../../src/operators/operate.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const boom = new Error('boom');

/** Passes items on, throwing in the handler `where` names when it meets `bad`. */
function throwing<T>(where: 'next' | 'complete' | 'error', bad?: T): OperatorFunction<T, T> {
  return operate<T, T>((subscriber, source) => {
    source.subscribe(
      operatorSubscriber<T>(subscriber, {
        next: (x) => {
          if (where === 'next' && x === bad) throw boom;
          subscriber.next(x);
        },
        complete: () => {
          if (where === 'complete') throw boom;
          subscriber.complete();
        },
        error: (error) => {
          if (where === 'error') throw boom;
          subscriber.error(error);
        },
      }),
    );
  });
}

/** Emits each item again after `frames`, from a timer whose callback throws on `bad`. */
function later<T>(frames: number, bad: T, scheduler: SchedulerLike): OperatorFunction<T, T> {
  return operate<T, T>((subscriber, source) => {
    source.subscribe(
      operatorSubscriber<T>(subscriber, {
        next: (x) => {
          subscriber.add(scheduler.schedule(guarded(subscriber, () => {
            if (x === bad) throw boom;
            subscriber.next(x);
          }), frames));
        },
      }),
    );
  });
}

describe('operate and operatorSubscriber', () => {
  it('pass every notification on by default', marbles((m) => {
    const source = m.cold('-a-b-|');
    m.expect(source.pipe(operate((subscriber, s) => void s.subscribe(operatorSubscriber(subscriber, {}))))).toBeObservable('-a-b-|');
    m.expect(m.cold('-a-#').pipe(operate((subscriber, s) => void s.subscribe(operatorSubscriber(subscriber, {}))))).toBeObservable('-a-#');
  }));

  it("send a throw in next to the output's error and unsubscribe the source", marbles((m) => {
    const source = m.cold('-a-b-c-|');
    const subs = /*     */ '^--!';
    m.expect(source.pipe(throwing('next', 'b'))).toBeObservable('-a-#', undefined, boom);
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it("send a throw in complete to the output's error", marbles((m) => {
    m.expect(m.cold('-a-|').pipe(throwing('complete'))).toBeObservable('-a-#', undefined, boom);
  }));

  it("send a throw in error to the output's error, in place of the source's", marbles((m) => {
    m.expect(m.cold('-a-#').pipe(throwing('error'))).toBeObservable('-a-#', undefined, boom);
  }));

  it("send a throw in a guarded timer callback to the output's error, not to the scheduler", marbles((m) => {
    m.expect(m.cold('-a-b---|').pipe(later(2, 'b', m.scheduler))).toBeObservable('---a-#', { a: 'a' }, boom);
  }));

  it('run the teardown init returns and stop the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|');
    const subs = /*    */ '^--!';
    let tornDown = 0;
    const counted = operate<string, string>((subscriber, s) => {
      s.subscribe(operatorSubscriber(subscriber, {}));
      return () => tornDown++;
    });
    m.expect(source.pipe(counted), subs).toBeObservable('-a--');
    m.expect(source).toHaveSubscriptions(subs);
    m.flush();
    expect(tornDown).toBe(1);
  }));

  it('send a throw in init to the output\'s error', marbles((m) => {
    m.expect(m.cold('-a-|').pipe(operate(() => {
      throw boom;
    }))).toBeObservable('#', undefined, boom);
  }));

  it('stop a synchronous source as soon as the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(throwing('next', -1), (i) => i, 3);
    expect(outputs).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });

  it('stop a synchronous source that a throw in next ended', () => {
    let produced = 0;
    const endless = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed; i++) {
        produced++;
        subscriber.next(i);
      }
    });
    let error: unknown;
    endless.pipe(throwing('next', 2)).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBe(boom);
    expect(produced).toBe(3);
  });
});
