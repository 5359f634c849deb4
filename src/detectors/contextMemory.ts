/**
 * The sequence memory of CAD OSE (M. Smirnov's Contextual Anomaly Detector, Open Source Edition),
 * on its own: what `ContextualDetector` (contextual.ts) feeds quantised facts to, step by step.
 * Contexts pair the facts of one step with those of the next, so that contexts chain into longer
 * sequences; a step says how many expectations came true and how much had to be learnt.
 */
/** Left (what came before) and right (what came next) halves of a context. */
const LEFT = 0;
const RIGHT = 1;
/** Facts at or above this are "neurons": contexts that were active on the previous step. */
const NEURON = 1 << 12;

interface Semi {
  readonly facts: readonly number[];
  /** Left halves only: right half id -> context id, and both as lists for fast iteration. */
  readonly links: Map<number, number>;
  readonly rights: number[];
  readonly ids: number[];
}

/**
 * `seen` sums its right half's size over the steps its left half matched whole, `matched` the
 * right-half facts that then came true (matched / seen: how well it predicts), `full` counts whole
 * matches, `zero` marks a context made from two consecutive steps, not by crossing others.
 */
interface Context {
  seen: number;
  matched: number;
  full: number;
  zero: boolean;
  readonly right: number;
}

/**
 * A memory's whole state in plain JSON (all integers). Context `i` is `contexts[6i..6i+5]`: its
 * left and right half ids, seen, matched, full and zero (0 or 1); the halves' indexes are rebuilt
 * from these, in the order they were made, so iteration order (and with it every tie) is kept.
 */
export interface ContextMemorySnapshot {
  readonly lefts: readonly (readonly number[])[];
  readonly rights: readonly (readonly number[])[];
  readonly contexts: readonly number[];
  readonly previous: readonly number[];
  /** Ids of the left halves `previous` holds whole, in order. */
  readonly whole: readonly number[];
}

/** What one step of the memory says. */
export interface ContextStep {
  /** Share of the contexts whose left half matched that also matched on the right, in [0, 1]. */
  readonly active: number;
  /** Share of the candidate contexts that were new (0 when the step's own context was known). */
  readonly added: number;
  /** The facts it expects next step. */
  readonly predicted: ReadonlySet<number>;
}

/**
 * The sequence memory of CAD OSE: contexts are pairs (facts of one step, facts of the next),
 * stored as shared left and right halves indexed by fact. Its size is capped: once it holds
 * `maxContexts` contexts it is cleared and learns again from the next step.
 */
export class ContextMemory {
  private semis: [Semi[], Semi[]] = [[], []];
  private keys: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  /** Left halves by their largest fact (a neuron when they hold one): a whole match must hold it. */
  private byKey = new Map<number, Semi[]>();
  private contexts: Context[] = [];
  private previous: number[] = [];
  /** Left halves that `previous` holds whole. */
  private whole: Semi[] = [];

  constructor(
    private readonly maxLeft: number,
    private readonly maxActive: number,
    readonly maxContexts: number,
  ) {}

  get size(): number {
    return this.contexts.length;
  }

  snapshot(): ContextMemorySnapshot {
    const [lefts, rights] = this.semis;
    const leftOf = new Array<number>(this.contexts.length);
    lefts.forEach((s, l) => s.ids.forEach((id) => (leftOf[id] = l)));
    const leftId = new Map(lefts.map((s, l) => [s, l]));
    return {
      lefts: lefts.map((s) => [...s.facts]),
      rights: rights.map((s) => [...s.facts]),
      contexts: this.contexts.flatMap((c, id) => [leftOf[id]!, c.right, c.seen, c.matched, c.full, c.zero ? 1 : 0]),
      previous: [...this.previous],
      whole: this.whole.map((s) => leftId.get(s)!),
    };
  }

  /** The memory `snapshot` describes, with the bounds it was made with. */
  static restore(snapshot: ContextMemorySnapshot, maxLeft: number, maxActive: number, maxContexts: number): ContextMemory {
    const memory = new ContextMemory(maxLeft, maxActive, maxContexts);
    for (const facts of snapshot.lefts) memory.half(LEFT, facts);
    for (const facts of snapshot.rights) memory.half(RIGHT, facts);
    const c = snapshot.contexts;
    for (let id = 0; id < c.length / 6; id++) {
      const [left, right, seen, matched, full, zero] = c.slice(6 * id, 6 * id + 6) as [number, number, number, number, number, number];
      const semi = memory.semis[LEFT][left];
      if (semi === undefined || memory.semis[RIGHT][right] === undefined) throw new RangeError(`contextual: snapshot context ${id} names a missing half (${left}, ${right})`);
      semi.links.set(right, id);
      semi.rights.push(right);
      semi.ids.push(id);
      memory.contexts.push({ seen, matched, full, zero: zero === 1, right });
    }
    memory.previous = [...snapshot.previous];
    memory.whole = snapshot.whole.map((l) => memory.semis[LEFT][l]!);
    return memory;
  }

  /** One step: `facts` are this step's sensor facts, sorted, all below 4096. */
  step(facts: readonly number[]): ContextStep {
    if (this.contexts.length >= this.maxContexts) this.clear();
    let fresh = -1;
    const candidates = new Set<string>();
    if (this.previous.length > 0) {
      candidates.add(`${this.previous.join(',')}|${facts.join(',')}`);
      const [id, created] = this.find(this.previous, facts, true);
      if (created) fresh = id;
      else if (id >= 0) this.contexts[id]!.zero = true;
    }
    const learning = fresh >= 0;
    const now = new Set(facts);
    const rightHits = this.semis[RIGHT].map((s) => s.facts.filter((f) => now.has(f)));
    // Score last step's predictions: contexts whose left half matched then, right half now.
    const active: number[] = [];
    const potential: [readonly number[], number[]][] = [];
    let selected = 0;
    for (const left of this.whole) {
      for (let k = 0; k < left.ids.length; k++) {
        const id = left.ids[k]!;
        const r = left.rights[k]!;
        if (id === fresh) continue;
        const c = this.contexts[id]!;
        const size = this.semis[RIGHT][r]!.facts.length;
        const hits = rightHits[r]!;
        selected++;
        c.seen += size;
        if (hits.length === 0) continue;
        c.matched += hits.length;
        if (hits.length === size) {
          c.full++;
          active.push(id);
        } else if (c.zero && learning && left.facts.length <= this.maxLeft) potential.push([left.facts, hits]);
      }
    }
    if (learning) {
      // New contexts from what part of a known context's left half and part of its right half share.
      const before = new Set(this.previous);
      const whole = new Set(this.whole);
      for (const left of this.semis[LEFT]) {
        if (whole.has(left)) continue;
        const hit = left.facts.filter((f) => before.has(f));
        if (hit.length === 0 || hit.length > this.maxLeft) continue;
        for (let k = 0; k < left.ids.length; k++) {
          const id = left.ids[k]!;
          const r = left.rights[k]!;
          if (this.contexts[id]!.zero && id !== fresh && rightHits[r]!.length > 0) potential.push([hit, rightHits[r]!]);
        }
      }
    }
    const group = [...facts, ...this.strongest(active).map((id) => NEURON + id)].sort((a, b) => a - b);
    let added = learning ? 1 : 0;
    for (const [l, r] of potential) {
      candidates.add(`${l.join(',')}|${r.join(',')}`);
      if (this.find(l, r, false)[1]) added++;
    }
    this.previous = group;
    return {
      active: selected > 0 ? active.length / selected : 0,
      added: learning ? added / candidates.size : 0,
      predicted: this.predict(group),
    };
  }

  /** The `maxActive` active contexts that matched whole most often, the first found on a tie. */
  private strongest(active: number[]): number[] {
    if (active.length <= this.maxActive) return active;
    const full = (id: number): number => this.contexts[id]!.full;
    const top: number[] = [];
    for (const id of active) {
      if (top.length === this.maxActive) {
        if (full(id) <= full(top[top.length - 1]!)) continue; // a tie keeps the one found first
        top.pop();
      }
      let j = top.length;
      while (j > 0 && full(top[j - 1]!) < full(id)) j--;
      top.splice(j, 0, id);
    }
    return top;
  }

  private clear(): void {
    this.semis = [[], []];
    this.keys = [new Map(), new Map()];
    this.byKey = new Map();
    this.contexts = [];
    this.whole = [];
    this.previous = this.previous.filter((f) => f < NEURON);
  }

  /** The context (left, right), made if new and there is room: [id or -1, made]. */
  private find(left: readonly number[], right: readonly number[], zero: boolean): [number, boolean] {
    const l = this.keys[LEFT].get(left.join(','));
    const r = this.keys[RIGHT].get(right.join(','));
    const known = l === undefined || r === undefined ? undefined : this.semis[LEFT][l]!.links.get(r);
    if (known !== undefined) return [known, false];
    if (this.contexts.length >= this.maxContexts) return [-1, false];
    const id = this.contexts.length;
    const rightId = r ?? this.half(RIGHT, right);
    const semi = this.semis[LEFT][l ?? this.half(LEFT, left)]!;
    semi.links.set(rightId, id);
    semi.rights.push(rightId);
    semi.ids.push(id);
    this.contexts.push({ seen: 0, matched: 0, full: 0, zero, right: rightId });
    return [id, true];
  }

  private half(side: 0 | 1, facts: readonly number[]): number {
    const semi: Semi = { facts: [...facts], links: new Map(), rights: [], ids: [] };
    const id = this.semis[side].push(semi) - 1;
    this.keys[side].set(facts.join(','), id);
    if (side === LEFT) {
      const key = facts[facts.length - 1]!;
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [semi]);
      else list.push(semi);
    }
    return id;
  }

  /** The left halves `group` holds whole; the best predictors among their contexts say what comes next. */
  private predict(group: readonly number[]): Set<number> {
    const has = new Set(group);
    this.whole = [];
    for (const f of group) for (const s of this.byKey.get(f) ?? []) if (s.facts.every((g) => has.has(g))) this.whole.push(s);
    let best = 0;
    let chosen: number[] = [];
    for (const left of this.whole) {
      for (const id of left.ids) {
        const c = this.contexts[id]!;
        const weight = c.seen > 0 ? c.matched / c.seen : 0;
        if (weight > best) {
          best = weight;
          chosen = [id];
        } else if (weight === best) chosen.push(id);
      }
    }
    const predicted = new Set<number>();
    for (const id of chosen) for (const f of this.semis[RIGHT][this.contexts[id]!.right]!.facts) predicted.add(f);
    return predicted;
  }
}
