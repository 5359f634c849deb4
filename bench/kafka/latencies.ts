/**
 * Latency samples and their exact percentiles: every sample is kept and sorted, no histogram
 * buckets, so a p99 is a latency some record really had.
 */
export class Samples {
  private values: number[] = [];

  add(value: number): void {
    this.values.push(value);
  }

  get count(): number {
    return this.values.length;
  }

  /** Nearest rank: the smallest sample with at least `p`% of the samples at or below it. */
  summary(): Summary {
    const sorted = Float64Array.from(this.values).sort();
    const at = (p: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!);
    return { count: sorted.length, p50: at(50), p99: at(99), max: at(100) };
  }
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** `p50/p99 ms`, rounded to 0.1 ms: for a one-line breakdown. */
export const pair = (s: Summary): string => `${round(s.p50)}/${round(s.p99)}`;

export const round = (ms: number, digits = 1): number => Math.round(ms * 10 ** digits) / 10 ** digits;
