import { type OperatorFunction, groupBy, mergeMap } from 'rxjs';

/**
 * Runs a pipeline per key, each with its own state: readings of several topics interleaved on
 * one line each keep their own window, as if each topic had its own stream.
 *
 * Output order follows input order (each input's outputs come before the next input's, for
 * synchronous pipelines). Errors of any key's pipeline end the whole stream. Keys are kept for
 * the life of the stream.
 *
 * ```
 * source:  -h1-t1-h2-t2-h3-|
 *          perKey((r) => r.topic, () => scan((n) => n + 1, 0))
 * output:  -1--1--2--2--3--|
 * ```
 *
 * @example
 * readings$.pipe(perKey((r) => r.topic, () => warmUp(21)))
 *
 * @param keyOf the key of an item, e.g. its topic or account.
 * @param pipeline makes the operator for one key; called once per new key.
 * @return An Observable of the merged outputs of every key's pipeline.
 */
export function perKey<T, K, R>(keyOf: (item: T) => K, pipeline: (key: K) => OperatorFunction<T, R>): OperatorFunction<T, R> {
  return (source) => source.pipe(groupBy(keyOf), mergeMap((group) => group.pipe(pipeline(group.key))));
}
