/**
 * Follows a durable sink with a dead-letter sink for what it refuses: each refused item becomes a
 * dead letter (stage: the sink's name, reason: the sink's), and both sinks' reports come out.
 * An input acknowledged on reports (`Acknowledgements.written`) then waits for its dead letter
 * instead of for ever: the dead letter's report stands for the refused item's.
 *
 * ```
 * source:  -a----b----|           b refused by the sink
 * sink:    --x----y----|          x = { items: [a] }, y = { items: [], refused: [b] }
 *          deadLetterRefused(deadLetters, toDeadLetter)
 * output:  --x----y--z-|          z = { sink: 'postgres:dead_letters', items: [dead letter of b] }
 * ```
 *
 * @example
 * detections$.pipe(toPostgres(pool, sensorDetections), deadLetterRefused(toPostgres(pool, deadLetters), (r, sink) => ...))
 *
 * @param deadLetters A durable dead-letter sink (one: its report is counted as the refused item's),
 *   applied afresh to each report's refusals, which it writes together.
 * @param toDeadLetter Builds the dead letter of a refused item; `sink` is the refusing sink's name.
 */
import { type OperatorFunction, concat, from, mergeMap, of } from 'rxjs';
import type { DeadLetter, Refused, Written } from '../types.ts';

export function deadLetterRefused<T>(
  deadLetters: OperatorFunction<DeadLetter, Written<DeadLetter>>,
  toDeadLetter: (refused: Refused<T>, sink: string) => DeadLetter,
): OperatorFunction<Written<T>, Written<T> | Written<DeadLetter>> {
  // A sink of its own for each report with refusals: they are rare, and the later reports need not wait.
  return mergeMap((report) =>
    report.refused === undefined || report.refused.length === 0
      ? of(report)
      : concat(of(report), from(report.refused.map((refused) => toDeadLetter(refused, report.sink))).pipe(deadLetters)),
  );
}
