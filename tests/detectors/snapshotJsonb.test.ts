/**
 * vigie's checkpoints keep state as JSON text, but a snapshot must also survive a jsonb column of
 * PostgreSQL (a store of one's own, a column changed later), which keeps numbers as numeric: no
 * NaN, no Infinity, no -0, and its own key order. Every detector's snapshot, fresh
 * (Infinity and NaN inside), mid-stream and after a -0, must come back from a real jsonb column
 * and restore to exactly the state it was taken from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLikelihoodScore, defaultAnomalyLikelihoodOptions, restoreLikelihoodScore } from '../../src/detectors/anomalyLikelihood.ts';
import { ArtDetector } from '../../src/detectors/art.ts';
import { ContextualDetector } from '../../src/detectors/contextual.ts';
import { createHalfSpaceTrees, defaultHalfSpaceTreesOptions, restoreHalfSpaceTrees } from '../../src/detectors/halfSpaceTrees.ts';
import { createRobustZScore, defaultRobustZScoreOptions, restoreRobustZScore } from '../../src/detectors/robustZScore.ts';
import { seededRandom } from '../../src/random.ts';
import { type FreshDatabase, freshDatabase } from '../helpers/database.ts';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase({ migrate: false });
  await db.pool.query('CREATE TABLE snapshots (name text PRIMARY KEY, state jsonb NOT NULL)');
});
afterAll(async () => {
  await db?.drop();
});

/** -0 first (a minimum that stays -0), then a noisy wave with values of every magnitude. */
function values(count: number): number[] {
  const random = seededRandom(3);
  return Array.from({ length: count }, (_, i) => (i === 0 ? -0 : 20 + 10 * Math.sin(i / 9) + random.normal() * (i % 50 === 0 ? 1e-9 : 1) + 1 / 3));
}

interface Detector {
  update(value: number): unknown;
  snapshot(): unknown;
}

const detectors: [string, () => Detector, (s: never) => { snapshot(): unknown }][] = [
  ['contextual', () => new ContextualDetector(), ContextualDetector.restore],
  ['art', () => new ArtDetector({ learn: 60 }), ArtDetector.restore],
  ['half-space-trees', () => createHalfSpaceTrees({ ...defaultHalfSpaceTreesOptions, windowSize: 50 }), restoreHalfSpaceTrees],
  ['robust-z-score', () => createRobustZScore(defaultRobustZScoreOptions), restoreRobustZScore],
  [
    'likelihood-score',
    () => {
      const score = createLikelihoodScore({ ...defaultAnomalyLikelihoodOptions, learningPeriod: 10, estimationSamples: 20, spatialTolerance: 0.05, suppress: 5, threshold: 0.5 });
      return { update: (v: number) => score.update(v % 1, v), snapshot: () => score.snapshot() };
    },
    restoreLikelihoodScore,
  ],
];

describe('detector snapshots in a jsonb column', () => {
  for (const [name, make, restore] of detectors) {
    it(`${name}: fresh, mid-stream and later, restored from PostgreSQL to the same state`, async () => {
      const detector = make();
      const stream = values(600);
      let fed = 0;
      for (const upTo of [0, 1, 100, 600]) {
        while (fed < upTo) detector.update(stream[fed++]!);
        const live = detector.snapshot();
        const text = JSON.stringify(live);
        await db.pool.query('INSERT INTO snapshots (name, state) VALUES ($1, $2::jsonb) ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state', [name, text]);
        const { rows } = await db.pool.query<{ state: never }>('SELECT state FROM snapshots WHERE name = $1', [name]);
        const copy = restore(rows[0]!.state).snapshot();
        expect(copy, `${name} after ${fed} values`).toEqual(live); // Object.is on numbers: a NaN, an Infinity or a -0 lost in JSON shows
        expect(JSON.stringify(copy), `${name} after ${fed} values, as text`).toBe(text); // and in the same key order
      }
    });
  }
});
