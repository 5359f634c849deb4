/**
 * The Numenta Anomaly Benchmark's scoring, exactly as NAB v1.1 computes it (`nab/sweeper.py`,
 * `nab/scorer.py`, `nab/optimizer.py`): per-row weights from a scaled sigmoid around each
 * labelled window, the earliest detection in a window rewarded, every detection outside one
 * penalised, one threshold for the whole corpus chosen by a sweep, and the normalised score.
 * Pure: reading the corpus lives in `corpus.ts`.
 */

/** A profile's costs (`CostMatrix` in NAB's `config/profiles.json`); `tnWeight` is never used. */
export interface Profile {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** A labelled window as row indices, both inclusive. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** One data file as the scorer sees it: the detector's score per row, in time order, and its windows. */
export interface NabFile {
  /** Path relative to NAB's `data/`, e.g. `realKnownCause/nyc_taxi.csv`. */
  readonly name: string;
  readonly timestamps: readonly string[];
  readonly scores: ArrayLike<number>;
  /** Sorted, disjoint, as in `combined_windows.json`. */
  readonly windows: readonly Window[];
}

/** Per-row weights of a file under a profile. Rows before `probation` are never scored. */
export interface FileWeights {
  readonly probation: number;
  /** v_i for every row (probationary rows included, though they are never used). */
  readonly weight: Float64Array;
  /** Index into the file's windows of the window holding row i, or -1 outside every window. */
  readonly window: Int32Array;
  /** Indices of the windows that keep at least one scorable row: the only ones that count. */
  readonly scoredWindows: readonly number[];
}

export interface SweepResult {
  readonly threshold: number;
  /** Corpus raw score S(θ). */
  readonly raw: number;
  readonly normalized: number;
  readonly perFile: readonly { readonly name: string; readonly raw: number }[];
}

/** NAB's probationary length: 15% of the file, at most 750 rows. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

/** NAB's scaled sigmoid: 1 well before, 0 at y = 0, -1 beyond y = 3. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * v_i for every row: inside a window it falls from A_TP on the first row towards 0 on the last;
 * outside, a detection costs -A_FP, less so just after the most recent window (never the next one).
 */
export function fileWeights(file: NabFile, profile: Profile): FileWeights {
  const n = file.scores.length;
  const weight = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  const probation = probationaryLength(n);
  let prevEnd = -1;
  let prevWidth = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const w = file.windows[next];
    if (w !== undefined && i >= w.start && i <= w.end) {
      const width = w.end - w.start + 1;
      weight[i] = (profile.tpWeight * scaledSigmoid(-(w.end - i + 1) / width)) / MAX_TP;
      window[i] = next;
      if (i === w.end) {
        prevEnd = w.end;
        prevWidth = width;
        next++;
      }
    } else {
      weight[i] = profile.fpWeight * (prevEnd < 0 ? -1 : scaledSigmoid((i - prevEnd) / (prevWidth - 1)));
    }
  }
  const scoredWindows = file.windows.flatMap((w, k) => (w.end >= probation ? [k] : []));
  return { probation, weight, window, scoredWindows };
}

/** A file's raw score at threshold θ: detections are the scorable rows with s_i >= θ. */
export function rawScore(file: NabFile, threshold: number, profile: Profile, weights = fileWeights(file, profile)): number {
  const best = new Float64Array(file.windows.length).fill(Number.NEGATIVE_INFINITY); // -inf: not yet detected
  let fp = 0;
  for (let i = weights.probation; i < file.scores.length; i++) {
    if (!(file.scores[i]! >= threshold)) continue;
    const k = weights.window[i]!;
    if (k < 0) fp += weights.weight[i]!;
    else if (weights.weight[i]! > best[k]!) best[k] = weights.weight[i]!;
  }
  let windows = 0;
  for (const k of weights.scoredWindows) windows += best[k] === Number.NEGATIVE_INFINITY ? -profile.fnWeight : best[k]!;
  return windows + fp;
}

/** The number of windows that count (N): those keeping a scorable row. 116 for the whole corpus. */
export function countWindows(files: readonly NabFile[]): number {
  return files.reduce((sum, f) => sum + f.windows.filter((w) => w.end >= probationaryLength(f.scores.length)).length, 0);
}

/** 100·(S − S_null)/(S_perfect − S_null): 0 never alarms, 100 catches every window on its first row. */
export function normalize(raw: number, windows: number, profile: Profile): number {
  return (100 * (raw + profile.fnWeight * windows)) / ((profile.tpWeight + profile.fnWeight) * windows);
}

/** Scores the corpus at a given threshold (NAB's stored one, say), file by file. */
export function scoreAt(files: readonly NabFile[], threshold: number, profile: Profile): SweepResult {
  const perFile = files.map((f) => ({ name: f.name, raw: rawScore(f, threshold, profile) }));
  const raw = perFile.reduce((sum, f) => sum + f.raw, 0);
  return { threshold, raw, normalized: normalize(raw, countWindows(files), profile), perFile };
}

/**
 * NAB's threshold optimisation: lower θ from 1.1 through every distinct score of the pooled
 * scorable rows, updating each window's best detection and the false-positive sum as rows join,
 * and keep the best S; on a tie the highest θ, reached first.
 */
export function sweep(files: readonly NabFile[], profile: Profile): SweepResult {
  const scores: number[] = [];
  const weights: number[] = [];
  const windowIds: number[] = [];
  let windows = 0;
  for (const file of files) {
    const w = fileWeights(file, profile);
    const base = windows;
    windows += file.windows.length;
    for (let i = w.probation; i < file.scores.length; i++) {
      scores.push(file.scores[i]!);
      weights.push(w.weight[i]!);
      windowIds.push(w.window[i]! < 0 ? -1 : base + w.window[i]!);
    }
  }
  const order = Uint32Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
  const best = new Float64Array(windows).fill(Number.NEGATIVE_INFINITY); // -inf: not yet detected
  const counted = countWindows(files);
  let score = -profile.fnWeight * counted;
  let bestScore = score;
  let bestThreshold = 1.1;
  for (let j = 0; j < order.length; ) {
    const threshold = scores[order[j]!]!;
    for (; j < order.length && scores[order[j]!] === threshold; j++) {
      const r = order[j]!;
      const k = windowIds[r]!;
      if (k < 0) score += weights[r]!;
      else if (weights[r]! > best[k]!) {
        score += weights[r]! - (best[k] === Number.NEGATIVE_INFINITY ? -profile.fnWeight : best[k]!);
        best[k] = weights[r]!;
      }
    }
    if (score > bestScore) {
      bestScore = score;
      bestThreshold = threshold;
    }
  }
  // per file and in total, recomputed at the chosen θ, so they add up the way scoreAt's do
  return scoreAt(files, bestThreshold, profile);
}
