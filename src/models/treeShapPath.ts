/**
 * The path arithmetic of TreeSHAP (Lundberg et al., "Consistent individualized feature attribution
 * for tree ensembles", algorithm 2: EXTEND, UNWIND and the unwound sum), on flat typed columns that
 * {@link TreeEnsemble} allocates once and reuses for every row.
 */
/** TreeSHAP's paths, as columns: each recursion level keeps its own copy after its parent's. */
export class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  copy(from: number, to: number, count: number): void {
    this.feature.copyWithin(to, from, from + count);
    this.zero.copyWithin(to, from, from + count);
    this.one.copyWithin(to, from, from + count);
    this.weight.copyWithin(to, from, from + count);
  }

  extend(start: number, depth: number, zero: number, one: number, feature: number): void {
    const { weight } = this;
    this.feature[start + depth] = feature;
    this.zero[start + depth] = zero;
    this.one[start + depth] = one;
    weight[start + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[start + i + 1] = (weight[start + i + 1]! + (((one * weight[start + i]!) * (i + 1)) / (depth + 1)));
      weight[start + i] = (((zero * weight[start + i]!) * (depth - i)) / (depth + 1));
    }
  }

  unwind(start: number, depth: number, index: number): void {
    const { weight } = this;
    const one = this.one[start + index]!;
    const zero = this.zero[start + index]!;
    let nextOne = weight[start + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = weight[start + i]!;
        weight[start + i] = ((nextOne * (depth + 1)) / ((i + 1) * one));
        nextOne = (tmp - (((weight[start + i]! * zero) * (depth - i)) / (depth + 1)));
      } else {
        weight[start + i] = ((weight[start + i]! * (depth + 1)) / (zero * (depth - i)));
      }
    }
    for (let i = index; i < depth; i++) {
      this.feature[start + i] = this.feature[start + i + 1]!;
      this.zero[start + i] = this.zero[start + i + 1]!;
      this.one[start + i] = this.one[start + i + 1]!;
    }
  }

  unwoundSum(start: number, depth: number, index: number): number {
    const { weight } = this;
    const one = this.one[start + index]!;
    const zero = this.zero[start + index]!;
    let nextOne = weight[start + depth]!;
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = ((nextOne * (depth + 1)) / ((i + 1) * one));
        total = (total + tmp);
        nextOne = (weight[start + i]! - ((tmp * zero) * ((depth - i) / (depth + 1))));
      } else if (zero !== 0) {
        total = (total + ((weight[start + i]! / zero) / ((depth - i) / (depth + 1))));
      }
    }
    return total;
  }
}
