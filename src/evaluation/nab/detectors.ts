/**
 * vigie's detectors as NAB runs them: the catalogue's (src/catalogue/detectors.ts), each file
 * through a fresh operator, so that the scores are those of what the live flows run.
 */
import { DETECTORS } from '../../catalogue/detectors.ts';
import type { DetectorFactory } from './stream.ts';

export interface NabDetector {
  /** What it is, in a line, for the scoreboard. */
  readonly description: string;
  readonly factory: DetectorFactory;
}

export const nabDetectors: Readonly<Record<string, NabDetector>> = Object.fromEntries(
  Object.entries(DETECTORS).map(([name, { description, operator }]) => [name, { description, factory: operator }]),
);
