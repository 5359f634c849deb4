/**
 * A backlog run's rates, two ways. From launch: the process started → its last row committed, a
 * JVM's start-up included (a restarted job pays it too). From its query's start: Spark's job prints
 * `vigie-bench: query started` once its stream runs (vigie and the floor: their consumer group is
 * stable) → the last row. Spark reads its whole backlog as one micro-batch, so its first row comes
 * with its last and a first-row-to-last-row rate means nothing; the query's start is the earliest
 * moment from which only the work is timed.
 */

export interface BacklogClock {
  /** Records covered (all of the backlog, or those up to the newest row of a run stopped early). */
  readonly records: number;
  /** Epoch ms: the process started. */
  readonly launchedAt: number;
  /** Epoch ms: its query started, or its consumer group became stable. */
  readonly queryStartedAt: number;
  /** Epoch ms: the commit of the last row it wrote. */
  readonly lastCommitAt: number;
}

export interface BacklogRates {
  readonly fromLaunch: number;
  readonly fromQueryStart: number;
}

/** Records per second over each clock; NaN for a clock that did not run (no row after it). */
export function backlogRates({ records, launchedAt, queryStartedAt, lastCommitAt }: BacklogClock): BacklogRates {
  const rate = (from: number): number => (lastCommitAt > from ? records / ((lastCommitAt - from) / 1000) : Number.NaN);
  return { fromLaunch: rate(launchedAt), fromQueryStart: rate(queryStartedAt) };
}

/**
 * Each round's rate over Spark's rate of the same round (a machine loaded by others slows both
 * alike): rounds where either has no finite rate are left out.
 */
export function sameRoundRatios(engine: readonly { readonly round: number; readonly rate: number }[], spark: readonly { readonly round: number; readonly rate: number }[]): number[] {
  const ratios: number[] = [];
  for (const { round, rate } of engine) {
    const base = spark.find((s) => s.round === round)?.rate;
    if (base !== undefined && base > 0 && Number.isFinite(rate) && Number.isFinite(base)) ratios.push(rate / base);
  }
  return ratios;
}
