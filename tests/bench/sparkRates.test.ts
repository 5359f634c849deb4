import { describe, expect, it } from 'vitest';
import { backlogRates, sameRoundRatios } from '../../bench/spark/rates.ts';

describe("the spark benchmark's backlog rates", () => {
  it('times from launch and from the query start to the last row committed', () => {
    // a JVM's 10 s start-up, then 1 000 000 records in 20 s
    const rates = backlogRates({ records: 1_000_000, launchedAt: 100_000, queryStartedAt: 110_000, lastCommitAt: 130_000 });
    expect(rates).toEqual({ fromLaunch: 1_000_000 / 30, fromQueryStart: 50_000 });
  });

  it('gives no rate for a clock with no row after it', () => {
    const rates = backlogRates({ records: 10, launchedAt: 5_000, queryStartedAt: 6_000, lastCommitAt: 6_000 });
    expect(rates.fromLaunch).toBe(10); // 10 records in 1 s
    expect(rates.fromQueryStart).toBeNaN();
  });

  it("divides each round by Spark's rate of the same round, leaving out rounds without both", () => {
    const spark = [
      { round: 0, rate: 40_000 },
      { round: 1, rate: 20_000 },
      { round: 2, rate: Number.NaN },
    ];
    const vigie = [
      { round: 1, rate: 60_000 },
      { round: 0, rate: 80_000 },
      { round: 2, rate: 90_000 },
      { round: 3, rate: 90_000 },
    ];
    expect(sameRoundRatios(vigie, spark)).toEqual([3, 2]);
  });
});
