/**
 * What every benchmark of `npm run bench` reports: a titled table of figures, each measured in the
 * same run as the baseline printed beside it, and the targets it missed (empty when all were met).
 */
export interface BenchSection {
  readonly title: string;
  /** How the figures were obtained, in a sentence: the workload, the baseline, what is timed. */
  readonly method: string;
  /** Figure name -> value, in the order to print them; a string where a number would mislead. */
  readonly figures: Readonly<Record<string, number | string>>;
  /** A comparison with several columns (engines side by side), printed before the figures. */
  readonly table?: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
  /** One sentence per target missed, e.g. `DBSCAN is 80x, not 100x, faster than scikit-learn`. */
  readonly failures: readonly string[];
}

/** A benchmark: runs, then reports. `only` lets `npm run bench -- NAME` run a subset. */
export interface Bench {
  readonly name: string;
  run(): Promise<BenchSection>;
}
