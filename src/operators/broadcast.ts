import { type Observable, type ObservableInput, type OperatorFunction, Subject, from } from 'rxjs';
import { operate, operatorSubscriber } from './operate.ts';

/**
 * RxJS's `connect`, made safe for a synchronous source: `selector` builds the output on a shared
 * copy of the source, which is subscribed once, after the output and chained to it, so a source
 * that emits synchronously for ever still sees the consumer leave (`connect` subscribes the source
 * before the subscription it could stop is linked, and never stops such a source).
 *
 * ```
 * source:  -a---b---|
 *          broadcast((s) => merge(s.pipe(map(x => x + '1')), s.pipe(map(x => x + '2'))))
 * output:  -(xy)(zw)|     x = a1, y = a2, z = b1, w = b2
 * ```
 *
 * @example
 * readings$.pipe(broadcast((shared) => zip(shared.pipe(dbscan()), shared.pipe(isolationForest()))))
 *
 * @param selector builds the output from the shared source; subscribed before the source.
 * @return An Observable of what `selector`'s Observable emits; it ends when that one does.
 */
export function broadcast<T, R>(selector: (shared: Observable<T>) => ObservableInput<R>): OperatorFunction<T, R> {
  return operate<T, R>((subscriber, source) => {
    const shared = new Subject<T>();
    from(selector(shared.asObservable())).subscribe(subscriber);
    source.subscribe(
      operatorSubscriber<T>(subscriber, {
        next: (item) => shared.next(item),
        error: (error) => shared.error(error),
        complete: () => shared.complete(),
      }),
    );
  });
}
