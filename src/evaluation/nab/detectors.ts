/**
 * vigie's detectors as NAB runs them: each entry makes the same operator chain a flow uses, with
 * one parameter set for the whole corpus (NAB forbids tuning per file).
 */
import { pipe } from 'rxjs';
import { artAnomaly } from '../../operators/artAnomaly.ts';
import { ensemble } from '../../operators/ensemble.ts';
import { contextualAnomaly } from '../../operators/contextualAnomaly.ts';
import { anomalyLikelihood } from '../../operators/anomalyLikelihood.ts';
import { halfSpaceTrees } from '../../operators/halfSpaceTrees.ts';
import { robustZScore } from '../../operators/robustZScore.ts';
import { dbscan } from '../../operators/dbscan.ts';
import { isolationForest } from '../../operators/isolationForest.ts';
import { warmUp } from '../../operators/warmUp.ts';
import type { Reading } from '../../types.ts';
import type { DetectorFactory } from './stream.ts';

export interface NabDetector {
  /** What it is, in a line, for the scoreboard. */
  readonly description: string;
  readonly factory: DetectorFactory;
}

export const nabDetectors: Readonly<Record<string, NabDetector>> = {
  dbscan: {
    description: "the prototype's DBSCAN (eps 0.5, min_samples 5) on the last 21 raw values",
    factory: () => pipe(warmUp<Reading>(21), dbscan()),
  },
  'isolation-forest': {
    description: "the prototype's IsolationForest (100 trees) refitted on the last 21 raw values",
    factory: () => pipe(warmUp<Reading>(21), isolationForest({ trees: 100 })),
  },
  'robust-z-score+likelihood': {
    description:
      'rolling median/MAD z-score (window 100) into the anomaly likelihood (averaging 15) with a causal range check (3%) and 20 rows of re-alarm suppression; tuned on the whole corpus',
    factory: () => pipe(robustZScore({ window: 100 }), anomalyLikelihood({ averagingWindow: 15, spatialTolerance: 0.03, suppress: 20, threshold: 0.55 })),
  },
  'half-space-trees+likelihood': {
    description:
      'streaming Half-Space Trees (25 trees, depth 10, window 250) on a 4-value shingle into the anomaly likelihood with a causal range check (3%) and 20 rows of re-alarm suppression; tuned on the whole corpus',
    factory: () => pipe(halfSpaceTrees({ shingle: 4 }), anomalyLikelihood({ spatialTolerance: 0.03, suppress: 20, threshold: 0.55 })),
  },
  art: {
    description:
      'causal ARTime-style dual-vigilance fuzzy ART (blocks of 6 rows, windows of 8, range learned from the first 240 rows and widened by 30% as new extremes arrive); tuned on the whole corpus',
    factory: () => artAnomaly(),
  },
  contextual: {
    description:
      'causal CAD OSE-style contextual sequence memory (3 bits, range from the first 30 rows, memory rebuilt from the last 2000 rows when a new extreme widens it by 50%, rest up to 150 rows); tuned on the whole corpus',
    factory: () => contextualAnomaly(),
  },
  'contextual+art': {
    description:
      'the contextual and ART detectors on the same readings, each read relative to its own NAB threshold (0.70, 0.29) and weighed 4 to 1; weights tuned on the whole corpus: every ratio from 3.3:1 to 4.4:1 scores 71.7 or more, 3:1 and 6:1 score 70.9 and 69.7',
    factory: () =>
      ensemble(
        [
          { detector: contextualAnomaly(), threshold: 0.7, weight: 4 },
          { detector: artAnomaly(), threshold: 0.29, weight: 1 },
        ],
        { name: 'contextual+art', threshold: 0.4 },
      ),
  },
};
