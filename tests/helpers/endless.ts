/** The spec case every operator shares: an endless synchronous source must stop when the consumer has enough. */
import { Observable, type OperatorFunction, take } from 'rxjs';

/**
 * Pipes an endless synchronous source (`item(0)`, `item(1)`, ...) through `operator`, takes
 * `count` outputs, and says what came out and how many items the source had produced by then. An
 * operator that does not pass the consumer's unsubscription up to the source makes it produce for
 * ever: the spec hangs, or `produced` shows the overrun.
 */
export function takeFromEndlessSource<T, R>(operator: OperatorFunction<T, R>, item: (i: number) => T, count: number): { outputs: R[]; produced: number } {
  let produced = 0;
  const endless = new Observable<T>((subscriber) => {
    for (let i = 0; !subscriber.closed; i++) {
      produced++;
      subscriber.next(item(i));
    }
  });
  const outputs: R[] = [];
  endless.pipe(operator, take(count)).subscribe((output) => outputs.push(output));
  return { outputs, produced };
}
