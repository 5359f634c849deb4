/**
 * An online detector as a live flow holds it: one per series, kept in a state store between
 * readings, written down as JSON at a checkpoint and rebuilt from it after a restart. The
 * operators (`art`, `anomalyLikelihood`, `ensemble`...) hold theirs inside a subscription,
 * out of reach of a checkpoint; these give the same detections, reading for reading (the
 * catalogue's test compares them), from detectors whose whole state is a snapshot.
 */
import { type LikelihoodScoreOptions, createLikelihoodScore, restoreLikelihoodScore, type LikelihoodScoreSnapshot } from './anomalyLikelihood.ts';
import { type EnsembleOptions, ensembleScore } from './ensembleScore.ts';
import { likelihoodStep } from './likelihoodStep.ts';
import { ANOMALY, type Detection, INITIALISING, NORMAL, type Reading } from '../types.ts';

/** One series' detector: a detection per reading, and its whole state as JSON. */
export interface SeriesDetector {
  update(reading: Reading): Detection;
  snapshot(): unknown;
}

/** How a detector of the catalogue is made fresh, or again from a snapshot it wrote. */
export interface SeriesDetectorKind {
  create(): SeriesDetector;
  /** Throws a RangeError when the snapshot is not one of this detector's. */
  restore(snapshot: unknown): SeriesDetector;
}

/** A raw online detector: a score per value (null while it learns) and its snapshot. */
export interface Scorer<S> {
  update(value: number, time: number): number | null;
  readonly fill: number;
  snapshot(): S;
}

/** A scorer's detections: initialising while it says null, then anomalous from `threshold` on. */
export function scored<S>(name: string, threshold: number, create: () => Scorer<S>, restore: (snapshot: S) => Scorer<S>): SeriesDetectorKind {
  const of = (scorer: Scorer<S>): SeriesDetector => ({
    update: ({ topic, value, time, ref }) => {
      const score = scorer.update(value, time);
      if (score === null) return { topic, value, time, state: INITIALISING, detector: name, score, fill: scorer.fill, ref };
      return { topic, value, time, state: score >= threshold ? ANOMALY : NORMAL, detector: name, score, fill: 1, ref };
    },
    snapshot: () => scorer.snapshot(),
  });
  return { create: () => of(create()), restore: (s) => of(restore(s as S)) };
}

/** `upstream`'s scores into the anomaly likelihood, as `anomalyLikelihood(options)` does. */
export function withLikelihood(upstream: SeriesDetectorKind, options: LikelihoodScoreOptions): SeriesDetectorKind {
  const of = (inner: SeriesDetector, likelihood = createLikelihoodScore(options)): SeriesDetector => {
    const step = likelihoodStep(likelihood, options.threshold);
    return {
      update: (reading) => step(inner.update(reading)),
      snapshot: () => ({ upstream: inner.snapshot(), likelihood: likelihood.snapshot() }),
    };
  };
  return {
    create: () => of(upstream.create()),
    restore: (s) => {
      const { upstream: u, likelihood } = parts<{ upstream: unknown; likelihood: LikelihoodScoreSnapshot }>(s, ['upstream', 'likelihood']);
      return of(upstream.restore(u), restoreLikelihoodScore(likelihood));
    },
  };
}

/** The members on the same readings, combined as `ensemble` does. */
export function combined(members: readonly { readonly kind: SeriesDetectorKind; readonly threshold: number; readonly weight?: number }[], options: EnsembleOptions): SeriesDetectorKind {
  const combine = ensembleScore(members, options);
  const of = (inner: SeriesDetector[]): SeriesDetector => ({
    update: (reading) => combine(inner.map((d) => d.update(reading))),
    snapshot: () => ({ members: inner.map((d) => d.snapshot()) }),
  });
  return {
    create: () => of(members.map((m) => m.kind.create())),
    restore: (s) => {
      const { members: saved } = parts<{ members: unknown[] }>(s, ['members']);
      if (!Array.isArray(saved) || saved.length !== members.length) throw new RangeError(`${options.name}: a snapshot of ${members.length} members expected`);
      return of(members.map((m, i) => m.kind.restore(saved[i])));
    },
  };
}

function parts<T>(snapshot: unknown, fields: readonly string[]): T {
  if (typeof snapshot !== 'object' || snapshot === null || fields.some((f) => !(f in snapshot))) {
    throw new RangeError(`a detector's snapshot with ${fields.join(', ')} expected, got ${JSON.stringify(snapshot)?.slice(0, 80)}`);
  }
  return snapshot as T;
}
