/**
 * vigie's detectors, in one place for every use: what each is, how it is built (one parameter set
 * for the whole NAB corpus: NAB forbids tuning per file), and its NAB standard score
 * (docs/detection-quality.md), so that `vigie evaluate nab` scores what `vigie detect sensors
 * --detector NAME` and `vigie start --detector NAME` run, and `--help` says how each scored.
 *
 * Each has an operator (what NAB streams a file through) and, for the online detectors, the same
 * detector as a {@link SeriesDetectorKind}: one per series in a live flow's state store, written
 * down at each checkpoint. The prototype's DBSCAN and IsolationForest refit on a window per
 * reading: their state is the window (`seriesWarmUp`), and the flows give them their own options.
 */
import { type OperatorFunction, pipe } from 'rxjs';
import { type ArtSnapshot, ArtDetector, defaultArtOptions } from '../detectors/art.ts';
import { type ContextualSnapshot, ContextualDetector } from '../detectors/contextual.ts';
import { createHalfSpaceTrees, defaultHalfSpaceTreesOptions, restoreHalfSpaceTrees } from '../detectors/halfSpaceTrees.ts';
import { likelihoodOptions } from '../detectors/likelihoodStep.ts';
import { createRobustZScore, defaultRobustZScoreOptions, restoreRobustZScore } from '../detectors/robustZScore.ts';
import { type SeriesDetectorKind, combined, scored, withLikelihood } from '../detectors/seriesDetector.ts';
import { anomalyLikelihood } from '../operators/anomalyLikelihood.ts';
import { art } from '../operators/art.ts';
import { contextual } from '../operators/contextual.ts';
import { dbscan } from '../operators/dbscan.ts';
import { ensemble } from '../operators/ensemble.ts';
import { halfSpaceTrees } from '../operators/halfSpaceTrees.ts';
import { isolationForest } from '../operators/isolationForest.ts';
import { robustZScore } from '../operators/robustZScore.ts';
import { warmUp } from '../operators/warmUp.ts';
import type { Detection, Reading } from '../types.ts';

export interface CatalogueDetector {
  /** What it is, in a line, for the scoreboard and `--help`. */
  readonly description: string;
  /** Its score on NAB's standard profile (58 files), as `vigie evaluate nab --scoreboard` gives it. */
  readonly nabStandard: number;
  /** A fresh detector for one series, as an operator: what NAB runs. */
  readonly operator: () => OperatorFunction<Reading, Detection>;
  /** The same, held per series in a flow's state store; absent for the prototype's window detectors. */
  readonly series?: SeriesDetectorKind;
}

const ART_THRESHOLD = 0.29;
const CONTEXTUAL_THRESHOLD = 0.75;
const artSeries = scored('art', ART_THRESHOLD, () => new ArtDetector(defaultArtOptions), (s: ArtSnapshot) => ArtDetector.restore(s));
const contextualSeries = scored('contextual', CONTEXTUAL_THRESHOLD, () => new ContextualDetector(), (s: ContextualSnapshot) => ContextualDetector.restore(s));
const ROBUST_Z = { ...defaultRobustZScoreOptions, window: 100 };
const ROBUST_LIKELIHOOD = { averagingWindow: 15, spatialTolerance: 0.03, suppress: 20, threshold: 0.55 };
const HST = { ...defaultHalfSpaceTreesOptions, shingle: 4 };
const HST_LIKELIHOOD = { spatialTolerance: 0.03, suppress: 20, threshold: 0.55 };
// the raw detectors' own thresholds do not matter here: the likelihood reads their scores
const RAW_THRESHOLDS = { 'robust-z-score': 0.9, 'half-space-trees': 0.5 };
const ENSEMBLE = { name: 'contextual+art', threshold: 0.4 };
const ENSEMBLE_MEMBERS = { contextual: { threshold: 0.7, weight: 4 }, art: { threshold: 0.29, weight: 1 } };

export const DETECTORS = {
  dbscan: {
    description: "the prototype's DBSCAN (eps 0.5, min_samples 5) on the last 21 raw values",
    nabStandard: 0,
    operator: () => pipe(warmUp<Reading>(21), dbscan()),
  },
  'isolation-forest': {
    description: "the prototype's IsolationForest (100 trees) refitted on the last 21 raw values",
    nabStandard: 11.43,
    operator: () => pipe(warmUp<Reading>(21), isolationForest({ trees: 100 })),
  },
  'robust-z-score+likelihood': {
    description:
      'rolling median/MAD z-score (window 100) into the anomaly likelihood (averaging 15) with a causal range check (3%) and 20 rows of re-alarm suppression; tuned on the whole corpus',
    nabStandard: 61.61,
    operator: () => pipe(robustZScore({ window: ROBUST_Z.window }), anomalyLikelihood(ROBUST_LIKELIHOOD)),
    series: withLikelihood(
      scored('robust-z-score', RAW_THRESHOLDS['robust-z-score'], () => createRobustZScore(ROBUST_Z), (s) => restoreRobustZScore(s)),
      likelihoodOptions(ROBUST_LIKELIHOOD),
    ),
  },
  'half-space-trees+likelihood': {
    description:
      'streaming Half-Space Trees (25 trees, depth 10, window 250) on a 4-value shingle into the anomaly likelihood with a causal range check (3%) and 20 rows of re-alarm suppression; tuned on the whole corpus',
    nabStandard: 63.29,
    operator: () => pipe(halfSpaceTrees({ shingle: HST.shingle }), anomalyLikelihood(HST_LIKELIHOOD)),
    series: withLikelihood(
      scored('half-space-trees', RAW_THRESHOLDS['half-space-trees'], () => createHalfSpaceTrees(HST), (s) => restoreHalfSpaceTrees(s)),
      likelihoodOptions(HST_LIKELIHOOD),
    ),
  },
  art: {
    description:
      'causal ARTime-style dual-vigilance fuzzy ART (blocks of 6 rows, windows of 8, range learned from the first 240 rows and widened by 30% as new extremes arrive); tuned on the whole corpus',
    nabStandard: 64.19,
    operator: () => art({ threshold: ART_THRESHOLD }),
    series: artSeries,
  },
  contextual: {
    description:
      'causal CAD OSE-style contextual sequence memory (3 bits, range from the first 30 rows, memory rebuilt from the last 2000 rows when a new extreme widens it by 50%, rest up to 150 rows); tuned on the whole corpus',
    nabStandard: 68.28,
    operator: () => contextual({ threshold: CONTEXTUAL_THRESHOLD }),
    series: contextualSeries,
  },
  'contextual+art': {
    description:
      'the contextual and ART detectors on the same readings, each read relative to its own NAB threshold (0.70, 0.29) and weighed 4 to 1; weights tuned on the whole corpus: every ratio from 3.3:1 to 4.4:1 scores 71.7 or more, 3:1 and 6:1 score 70.9 and 69.7',
    nabStandard: 72.26,
    operator: () =>
      ensemble(
        [
          { detector: contextual(), ...ENSEMBLE_MEMBERS.contextual },
          { detector: art(), ...ENSEMBLE_MEMBERS.art },
        ],
        ENSEMBLE,
      ),
    series: combined([{ kind: contextualSeries, ...ENSEMBLE_MEMBERS.contextual }, { kind: artSeries, ...ENSEMBLE_MEMBERS.art }], ENSEMBLE),
  },
} as const satisfies Record<string, CatalogueDetector>;

export type DetectorName = keyof typeof DETECTORS;
/** In the order NAB's scoreboard has always run them: the prototype's first. */
export const DETECTOR_NAMES = Object.keys(DETECTORS) as [DetectorName, ...DetectorName[]];
/** The prototype's pair: what the live flows run unless told otherwise. */
export const DEFAULT_DETECTORS: readonly DetectorName[] = ['dbscan', 'isolation-forest'];

/** `name (NAB 72.26)` for each, best first: for `--help`. */
export function detectorChoices(): string {
  return [...DETECTOR_NAMES]
    .sort((a, b) => DETECTORS[b].nabStandard - DETECTORS[a].nabStandard)
    .map((name) => `${name} (NAB ${DETECTORS[name].nabStandard.toFixed(2)})`)
    .join(', ');
}
