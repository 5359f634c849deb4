/**
 * Average precision and the precision–recall curve of a score against labels, as scikit-learn
 * defines them (`precision_recall_curve`, `average_precision_score`): one threshold per distinct
 * score, a transaction predicted positive when its score is at or above the threshold, and
 *
 *     AP = Σ_n (R_n − R_{n−1}) P_n
 *
 * over the thresholds from the highest score down (R_0 = 0). Tied scores are one threshold, so
 * their order never matters: a constant score gets the positives' share as its AP.
 *
 * Counted per distinct score, not kept per transaction: memory grows with the number of distinct
 * scores (a rule that fires on few transactions has few), not with the rows.
 */

/** One threshold of the curve: every score at or above it predicted positive. */
export interface PrPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

export class ScoreCounts {
  /** Per distinct score: [positives, negatives]. */
  private readonly counts = new Map<number, [number, number]>();
  positives = 0;
  total = 0;

  add(score: number, positive: boolean): void {
    if (Number.isNaN(score)) throw new RangeError('ScoreCounts: a score is NaN');
    const key = score === 0 ? 0 : score; // -0 and 0 are one threshold
    let count = this.counts.get(key);
    if (count === undefined) this.counts.set(key, (count = [0, 0]));
    count[positive ? 0 : 1]++;
    this.total++;
    if (positive) this.positives++;
  }

  /**
   * The curve, from the highest threshold down (recall rising), one point per distinct score;
   * empty when there is no positive (recall is then undefined).
   */
  curve(): PrPoint[] {
    if (this.positives === 0) return [];
    const scores = [...this.counts.keys()].sort((a, b) => b - a);
    const points: PrPoint[] = [];
    let tp = 0;
    let fp = 0;
    for (const threshold of scores) {
      const [p, n] = this.counts.get(threshold)!;
      tp += p;
      fp += n;
      points.push({ threshold, precision: tp / (tp + fp), recall: tp / this.positives });
    }
    return points;
  }

  /** Σ (R_n − R_{n−1}) P_n; 0 when there is no positive. */
  averagePrecision(): number {
    let ap = 0;
    let recall = 0;
    for (const point of this.curve()) {
      ap += (point.recall - recall) * point.precision;
      recall = point.recall;
    }
    return ap;
  }
}
