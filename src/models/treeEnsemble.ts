/**
 * XGBoost's own JSON model (`booster.save_model('m.json')`), evaluated in Node: the trees are
 * compiled once into flat typed arrays, then a row's margin is one walk down each tree with no
 * allocation. XGBoost's rules are kept exactly: a value is read as float32 and goes left when
 * `float32(x) < split` (splits and leaves are float32 too), a missing value (NaN) takes the node's
 * default branch, the margin adds the trees in order in float32 from the base margin
 * (`logit(base_score)` for a logistic objective).
 *
 * Contributions are XGBoost's `pred_contribs=True`: the exact, path-dependent TreeSHAP of Lundberg
 * et al. (the same algorithm as XGBoost's RegTree::CalculateContributions, weighting each branch by
 * the training covers, `sum_hessian`), one value per feature in log-odds and a bias (the expected
 * margin) that add up to the margin. tests/models/treeEnsemble.test.ts checks both against
 * XGBoost's predictions on every test row of models it trains.
 */
import { z } from 'zod';
import { PathBuffer } from './treeShapPath.ts';

/** What is read of one tree of the JSON model. */
const Tree = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  split_indices: z.array(z.number().int().min(0)),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.number(), z.boolean()])),
  sum_hessian: z.array(z.number()),
  split_type: z.array(z.number()).optional(),
});

/** What is read of XGBoost's JSON model (format of XGBoost 1.x and 2.x). */
export const XGBoostModel = z.object({
  learner: z.object({
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({ base_score: z.string(), num_class: z.string().optional(), num_feature: z.string() }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.string(),
      model: z.object({ trees: z.array(Tree), tree_info: z.array(z.number()).optional() }),
    }),
  }),
  version: z.array(z.number()).optional(),
});
export type XGBoostModel = z.infer<typeof XGBoostModel>;

const f32 = Math.fround;

/** Objectives whose prediction is the sigmoid of the margin. */
const LOGISTIC = new Set(['binary:logistic', 'reg:logistic']);

/** A per-feature contribution (TreeSHAP) of one row, in log-odds, and the bias: they sum to the margin. */
export interface Contributions {
  readonly values: Float64Array;
  readonly bias: number;
}

/** A compiled XGBoost tree ensemble for binary classification. */
export class TreeEnsemble {
  /** Number of input columns (XGBoost's num_feature). */
  readonly featureCount: number;
  /** The margin before any tree (logit of base_score). */
  readonly baseMargin: number;
  private readonly roots: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  /** The split of an inner node, the value of a leaf (float32, as XGBoost keeps them). */
  private readonly split: Float32Array;
  private readonly defaultLeft: Uint8Array;
  private readonly cover: Float64Array;
  /** Each node's expected leaf value under the covers (TreeSHAP's node means), computed once. */
  private readonly mean: Float64Array;
  /** TreeSHAP's working space, allocated once (contributions are computed one row at a time). */
  private readonly path: PathBuffer;
  private readonly treePhi: Float64Array;

  private constructor(model: XGBoostModel) {
    const { learner } = model;
    if (!LOGISTIC.has(learner.objective.name)) throw new RangeError(`learner.objective.name: ${learner.objective.name} is not supported, expected binary:logistic`);
    if (learner.gradient_booster.name !== 'gbtree') throw new RangeError(`learner.gradient_booster.name: ${learner.gradient_booster.name} is not supported, expected gbtree`);
    if (Number(learner.learner_model_param.num_class ?? 0) > 1) throw new RangeError('learner.learner_model_param.num_class: multi-class models are not supported');
    this.featureCount = Number(learner.learner_model_param.num_feature);
    const baseScore = Number(learner.learner_model_param.base_score);
    if (!(baseScore > 0 && baseScore < 1)) throw new RangeError(`learner.learner_model_param.base_score: ${learner.learner_model_param.base_score} is not a probability in (0, 1)`);
    this.baseMargin = Math.fround(-Math.log(1 / baseScore - 1));
    const trees = learner.gradient_booster.model.trees;
    const total = trees.reduce((n, t) => n + t.left_children.length, 0);
    this.roots = new Int32Array(trees.length);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feature = new Int32Array(total);
    this.split = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.cover = new Float64Array(total);
    this.mean = new Float64Array(total);
    let offset = 0;
    let maxDepth = 0;
    trees.forEach((tree, t) => {
      const n = tree.left_children.length;
      const where = `learner.gradient_booster.model.trees.${t}`;
      for (const key of ['right_children', 'split_indices', 'split_conditions', 'default_left', 'sum_hessian'] as const) {
        if (tree[key].length !== n) throw new RangeError(`${where}.${key}: ${tree[key].length} nodes, left_children has ${n}`);
      }
      if (tree.split_type?.some((type) => type !== 0)) throw new RangeError(`${where}.split_type: categorical splits are not supported`);
      this.roots[t] = offset;
      const parents = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const l = tree.left_children[i]!;
        const r = tree.right_children[i]!;
        const leaf = l === -1;
        if (!leaf && (l <= i || l >= n || r <= i || r >= n)) throw new RangeError(`${where}: node ${i} has children ${l}, ${r} outside the tree`);
        if (!leaf && (++parents[l]! > 1 || ++parents[r]! > 1 || l === r)) throw new RangeError(`${where}: node ${i}'s children ${l}, ${r} have another parent`);
        if (!leaf && tree.split_indices[i]! >= this.featureCount) throw new RangeError(`${where}.split_indices.${i}: feature ${tree.split_indices[i]} of ${this.featureCount}`);
        this.left[offset + i] = leaf ? -1 : offset + l;
        this.right[offset + i] = leaf ? -1 : offset + r;
        this.feature[offset + i] = tree.split_indices[i]!;
        this.split[offset + i] = tree.split_conditions[i]!;
        this.defaultLeft[offset + i] = tree.default_left[i] ? 1 : 0;
        this.cover[offset + i] = tree.sum_hessian[i]!;
      }
      const orphan = parents.findIndex((count, i) => i > 0 && count === 0);
      if (orphan > 0) throw new RangeError(`${where}: node ${orphan} is no node's child`);
      maxDepth = Math.max(maxDepth, this.fillMean(offset));
      offset += n;
    });
    const size = maxDepth + 2;
    this.path = new PathBuffer((size * (size + 1)) / 2 + size);
    this.treePhi = new Float64Array(this.featureCount);
  }

  /** The ensemble of XGBoost's JSON model (text or parsed); RangeError naming the path of what it cannot evaluate. */
  static fromXGBoost(json: unknown): TreeEnsemble {
    const parsed = XGBoostModel.safeParse(typeof json === 'string' ? JSON.parse(json) : json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RangeError(`${issue.path.join('.') || '(the model)'}: ${issue.message}`);
    }
    return new TreeEnsemble(parsed.data);
  }

  /** Number of trees. */
  get treeCount(): number {
    return this.roots.length;
  }

  /** The margin (log-odds) of a row of `featureCount` values, NaN for missing, as XGBoost's `output_margin=True`. */
  margin(x: ArrayLike<number>): number {
    const { left, right, feature, split, defaultLeft, roots } = this;
    let sum = this.baseMargin;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      while (left[node] !== -1) {
        const v = x[feature[node]!]!;
        if (v !== v) node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
        else node = Math.fround(v) < split[node]! ? left[node]! : right[node]!;
      }
      sum = Math.fround(sum + split[node]!);
    }
    return sum;
  }

  /** The probability of the positive class, as XGBoost's `predict`. */
  probability(x: ArrayLike<number>): number {
    return 1 / (1 + Math.exp(-this.margin(x)));
  }

  /** XGBoost's `pred_contribs=True` of a row: each feature's TreeSHAP value and the bias. */
  contributions(x: ArrayLike<number>): Contributions {
    // XGBoost keeps each tree's values and their sums in float32: so do the sums here, while each
    // tree's TreeSHAP runs in float64 (exact to 1e-15; XGBoost's own float32 arithmetic inside a
    // tree is off from the exact values by up to a few float32 units, which no order of operations
    // here reproduced)
    const phi = new Float64Array(this.featureCount);
    const { treePhi: tree, path } = this;
    let bias = 0;
    for (let t = 0; t < this.roots.length; t++) {
      const root = this.roots[t]!;
      tree.fill(0);
      this.treeShap(x, tree, path, root, 0, 0, 1, 1, -1, 1);
      for (let i = 0; i < phi.length; i++) phi[i] = f32(phi[i]! + tree[i]!);
      bias = f32(bias + this.mean[root]!);
    }
    return { values: phi, bias: f32(bias + this.baseMargin) };
  }

  /** Fills the node means of the tree at `root`; returns its depth (edges on the longest path). */
  private fillMean(root: number): number {
    const visit = (node: number): number => {
      if (this.left[node] === -1) {
        this.mean[node] = this.split[node]!;
        return 0;
      }
      const l = this.left[node]!;
      const r = this.right[node]!;
      const depth = 1 + Math.max(visit(l), visit(r));
      this.mean[node] = f32(f32(f32(this.mean[l]! * this.cover[l]!) + f32(this.mean[r]! * this.cover[r]!)) / this.cover[node]!);
      return depth;
    };
    return visit(root);
  }

  /** TreeSHAP's recursion (XGBoost's RegTree::TreeShap with no conditioning). */
  private treeShap(
    x: ArrayLike<number>,
    phi: Float64Array,
    path: PathBuffer,
    node: number,
    parentStart: number,
    uniqueDepth: number,
    parentZero: number,
    parentOne: number,
    parentFeature: number,
    conditionFraction: number,
  ): void {
    if (conditionFraction === 0) return;
    // this level's copy of the path lives right after the parent's
    const start = parentStart + uniqueDepth + 1;
    path.copy(parentStart, start, uniqueDepth + 1);
    path.extend(start, uniqueDepth, parentZero, parentOne, parentFeature);
    if (this.left[node] === -1) {
      const leaf = this.split[node]!;
      for (let i = 1; i <= uniqueDepth; i++) {
        const w = path.unwoundSum(start, uniqueDepth, i);
        const at = start + i;
        const c = (((w * (path.one[at]! - path.zero[at]!)) * leaf) * conditionFraction);
        phi[path.feature[at]!] = (phi[path.feature[at]!]! + c);
      }
      return;
    }
    const f = this.feature[node]!;
    const v = x[f]!;
    const goLeft = v !== v ? this.defaultLeft[node] === 1 : Math.fround(v) < this.split[node]!;
    const hot = goLeft ? this.left[node]! : this.right[node]!;
    const cold = goLeft ? this.right[node]! : this.left[node]!;
    const w = this.cover[node]!;
    const hotZero = (this.cover[hot]! / w);
    const coldZero = (this.cover[cold]! / w);
    let incomingZero = 1;
    let incomingOne = 1;
    let depth = uniqueDepth;
    let k = 0;
    for (; k <= depth; k++) if (path.feature[start + k] === f) break;
    if (k !== depth + 1) {
      incomingZero = path.zero[start + k]!;
      incomingOne = path.one[start + k]!;
      path.unwind(start, depth, k);
      depth -= 1;
    }
    this.treeShap(x, phi, path, hot, start, depth + 1, (hotZero * incomingZero), incomingOne, f, conditionFraction);
    this.treeShap(x, phi, path, cold, start, depth + 1, (coldZero * incomingZero), 0, f, conditionFraction);
  }
}
