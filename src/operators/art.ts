import type { OperatorFunction } from 'rxjs';
import { defaultArtOptions, ArtDetector, type ArtOptions, checkArtOptions } from '../detectors/art.ts';
import type { Detection, Reading } from '../types.ts';
import { detectOnline } from './detectOnline.ts';

export interface ArtOperatorOptions extends Partial<ArtOptions> {
  /** A reading whose score reaches this is an anomaly; 0.29 is NAB's best threshold for the defaults. */
  readonly threshold?: number;
}

/**
 * Labels each reading by whether an Adaptive Resonance Theory network, learning the stream's
 * recent shapes as it goes, recognises the shape the reading completes (see `ArtDetector`, after
 * Mark Hampton's ARTime).
 *
 * The first `learn - 1` readings only teach it (state -2, with how far along it is: fill
 * 1/learn ... (learn-1)/learn); the `learn`th completes the learning and is scored, as is every
 * reading after it: an anomaly when its score reaches `threshold`. The score is 0 except when a
 * block of `step` readings closes on a pattern no learned category resonates with, and it stays
 * 0 for novelties that closely follow another, so an alarm marks the onset of a change. Each
 * subscription has its own network, released on unsubscribe.
 *
 * ```
 * source:  -a--b--c--d--e--f--|        a..e = 5 (learn 4, step 1, window 2), f = 50
 *          art({ step: 1, window: 2, learn: 4, trend: 2 })
 * output:  -A--B--C--D--E--F--|
 *
 * A, B, C = initialising (fill 1/4, 2/4, 3/4), D, E = normal (score 0), F = anomaly (score 1)
 * ```
 *
 * @example
 * readings$.pipe(art({ threshold: 0.5 }), filter((d) => d.state === ANOMALY))
 *
 * @param options the detector's `ArtOptions` (defaults `defaultArtOptions`) and `threshold`.
 * @return An Observable of one `Detection` per reading, with detector `art`.
 */
export function art({ threshold = 0.29, ...options }: ArtOperatorOptions = {}): OperatorFunction<Reading, Detection> {
  const settings: ArtOptions = { ...defaultArtOptions, ...options };
  checkArtOptions(settings); // at assembly, not at the first reading
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`art: threshold must be in [0, 1], got ${threshold}`);
  return detectOnline('art', () => new ArtDetector(settings), threshold);
}
