/**
 * vigie's detectors as NAB runs them: each entry makes the same operator chain a flow uses, with
 * one parameter set for the whole corpus (NAB forbids tuning per file).
 */
import { pipe } from 'rxjs';
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
};
