/**
 * The fraud benchmark's verdict on one sink (the alerts topic, or the table): each record the
 * rules must flag is looked up by its source coordinates, its latency taken from its producer
 * timestamp to its first appearance, counted per phase by when it was produced.
 */
import { Samples, type Summary } from '../kafka/latencies.ts';
import type { Produced } from './transactions.ts';

/** A stretch of production at one rate: records with a CreateTime in [from, to] belong to it. */
export interface Phase {
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

export interface Outcome {
  /** Flagged records of each phase, by label: latency from the producer timestamp. */
  readonly latency: ReadonlyMap<string, Summary>;
  /** Records above the limit with nothing in the sink. */
  readonly missing: number;
  /** Records that appear more than once (each extra appearance counts). */
  readonly doubled: number;
  /** Appearances of records the rules should not have flagged, or that were not produced. */
  readonly unexpected: number;
}

export function outcome(produced: ReadonlyMap<string, Produced>, seen: ReadonlyMap<string, readonly number[]>, phases: readonly Phase[]): Outcome {
  const samples = new Map(phases.map((p) => [p.label, new Samples()]));
  let missing = 0;
  let doubled = 0;
  for (const [key, record] of produced) {
    if (!record.suspicious) continue;
    const times = seen.get(key);
    if (!times) {
      missing++;
      continue;
    }
    doubled += times.length - 1;
    const phase = phases.find((p) => record.createTime >= p.from && record.createTime <= p.to);
    if (phase) samples.get(phase.label)!.add(Math.min(...times) - record.createTime);
  }
  let unexpected = 0;
  for (const [key, times] of seen) if (!produced.get(key)?.suspicious) unexpected += times.length;
  return { latency: new Map([...samples].map(([label, s]) => [label, s.summary()])), missing, doubled, unexpected };
}
