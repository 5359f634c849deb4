import type { OperatorFunction } from 'rxjs';
import { defaultContextualOptions, ContextualDetector, type ContextualOptions, checkContextualOptions } from '../detectors/contextual.ts';
import type { Detection, Reading } from '../types.ts';
import { detectOnline } from './detectOnline.ts';

export interface ContextualOperatorOptions extends Partial<ContextualOptions> {
  /** A score at or above this is an anomaly; 0.75 by default. */
  readonly threshold?: number;
}

/**
 * Scores each reading with a contextual sequence memory after CAD OSE (Smirnov's Contextual
 * Anomaly Detector, NAB's `contextOSE`): high when the reading breaks the sequences learnt so far.
 *
 * The first `learn - 1` readings only learn (state -2, with how far learning has got: fill
 * 1/learn ... (learn-1)/learn); from the `learn`th on each reading gets a score in [0, 1] and is
 * an anomaly (-1) when the score reaches `threshold`, else normal (1). After a high score the
 * detector rests, so a change alarms once, at its onset; a reading beyond every value seen so
 * far scores 1. Each subscription has its own detector, causal (a score depends only on the
 * readings before it) and bounded in memory.
 *
 * ```
 * source:  -a--b--c--d--e--|        a..d = 10, 20, 10, 20; e = 500
 *          contextual({ learn: 3 })
 * output:  -A--B--C--D--E--|
 *
 * A, B = initialising (fill 1/3, 2/3), C, D = normal (score 0: resting after learning a
 * new sequence), E = anomaly (score 1: a new extreme)
 * ```
 *
 * @example
 * readings$.pipe(contextual({ threshold: 0.76 }), filter((d) => d.state === -1))
 *
 * @param options the detector's parameters (see `ContextualOptions`; NAB's set by default) and
 * the anomaly threshold.
 * @return An Observable of one `Detection` per reading, with detector `contextual`.
 */
export function contextual({ threshold = 0.75, ...options }: ContextualOperatorOptions = {}): OperatorFunction<Reading, Detection> {
  checkContextualOptions({ ...defaultContextualOptions, ...options }); // at assembly, not at the first reading
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`contextual: threshold must be in [0, 1], got ${threshold}`);
  return detectOnline('contextual', () => new ContextualDetector(options), threshold);
}
