/**
 * The rule set in force, as it changes: every version of every rule with the event time from
 * which it judges, the way Flink's dynamic fraud demo keeps its rules in broadcast state. A change
 * (from a file, the control topic `transaction.rules`, or a command) is compiled first: an invalid
 * one is refused with its reason and the set in force is untouched.
 *
 * A transaction is judged by the versions in force at its own event time, so a replay after a
 * restart (the control topic read again from its start before any transaction) judges each
 * transaction by the same versions as the live run did.
 */
import { Subject } from 'rxjs';
import { type CompiledRule, compileRule } from './compile.ts';
import { type Rule, checkRule } from './schema.ts';

/** A rule added or changed (`rule`), or removed (`rule` null: a tombstone on the control topic). */
export interface RuleChange {
  readonly id: string;
  readonly rule: Rule | null;
  /** The event time (epoch ms) from which it holds: the rule's `from`, else when it was published. */
  readonly at: number;
  /** Where it came from, for the log: `file rules/default.json`, `transaction.rules/0@12`, ... */
  readonly source: string;
}

/** What became of a change: taken, or refused with the reason (the set in force unchanged). */
export type RuleChangeOutcome =
  | { readonly accepted: true; readonly change: RuleChange; readonly rule: CompiledRule | null }
  | { readonly accepted: false; readonly change: RuleChange; readonly reason: string; readonly raw?: string };

/** One version of a rule in the book, from `at` (event time) until the next change of its id. */
export interface RuleVersion {
  readonly id: string;
  /** null once removed from `at` on. */
  readonly rule: CompiledRule | null;
  readonly at: number;
  readonly source: string;
}

/** The rules in force at one event time, indexed so that a transaction only meets the rules that apply to it. */
export interface RulesInForce {
  /** Every rule in force (disabled ones left out), in the order they judge. */
  readonly rules: readonly CompiledRule[];
  /** The rules whose `when` a transaction may pass: the same order, the ones it cannot pass left out. */
  candidates(transaction: object): readonly CompiledRule[];
  /** The names of the rules' features (their `feature`) and their stages, in rule order. */
  readonly features: readonly { readonly name: string; readonly stage: string }[];
}

export class RuleBook {
  private readonly versions = new Map<string, RuleVersion[]>();
  /** Ids in the order they were first added: the order rules judge in. */
  private readonly order: string[] = [];
  /** Every distinct `at`, sorted: the rules in force change only there. */
  private boundaries: number[] = [];
  /** The rules in force between two boundaries, by the number of boundaries at or before it. */
  private readonly cache = new Map<number, RulesInForce>();
  private readonly outcomes = new Subject<RuleChangeOutcome>();
  /** The stages a running flow keeps state in (see `fixStages`); any while undefined. */
  private stages: ReadonlySet<string> | undefined;

  /** Every change applied or refused, as it happens (for the log, the rejected topic, the dashboard). */
  readonly outcome$ = this.outcomes.asObservable();

  /** A book holding `rules` from the start of time (a rule's own `from` still applies). */
  static of(rules: readonly Rule[], source = 'code'): RuleBook {
    const book = new RuleBook();
    for (const rule of rules) {
      const outcome = book.apply({ id: rule.id, rule, at: rule.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(rule.from), source });
      if (!outcome.accepted) throw new RangeError(`rule ${rule.id}: ${outcome.reason}`);
    }
    return book;
  }

  /**
   * Takes a change, or refuses it with the reason: the rule invalid (schema or meaning), its
   * version not above the one in force, or a removal of a rule the book does not hold.
   */
  apply(change: RuleChange, raw?: string): RuleChangeOutcome {
    const outcome = this.decide(change, raw);
    this.outcomes.next(outcome);
    return outcome;
  }

  /** A raw change as the control topic or a file gives it: JSON text (or parsed), null to remove. */
  applyRaw(id: string, json: unknown, at: number, source: string): RuleChangeOutcome {
    const raw = typeof json === 'string' ? json : json === null ? undefined : JSON.stringify(json);
    if (json === null) return this.apply({ id, rule: null, at, source });
    const checked = checkRule(json);
    if (!checked.ok) {
      const outcome: RuleChangeOutcome = { accepted: false, change: { id, rule: null, at, source }, reason: checked.reason, ...(raw === undefined ? {} : { raw }) };
      this.outcomes.next(outcome);
      return outcome;
    }
    if (checked.value.id !== id) {
      const outcome: RuleChangeOutcome = {
        accepted: false,
        change: { id, rule: checked.value, at, source },
        reason: `the rule's id ${checked.value.id} is not its key ${id}`,
        ...(raw === undefined ? {} : { raw }),
      };
      this.outcomes.next(outcome);
      return outcome;
    }
    const from = checked.value.from === undefined ? at : Date.parse(checked.value.from);
    return this.apply({ id, rule: checked.value, at: from, source }, raw);
  }

  private decide(change: RuleChange, raw: string | undefined): RuleChangeOutcome {
    const refuse = (reason: string): RuleChangeOutcome => ({ accepted: false, change, reason, ...(raw === undefined ? {} : { raw }) });
    const history = this.versions.get(change.id);
    const last = history?.at(-1);
    if (change.rule === null) {
      if (last === undefined || last.rule === null) return refuse(`no rule ${change.id} to remove`);
      this.push(change.id, { id: change.id, rule: null, at: change.at, source: change.source });
      return { accepted: true, change, rule: null };
    }
    if (change.rule.id !== change.id) return refuse(`the rule's id ${change.rule.id} is not its key ${change.id}`);
    const compiled = compileRule(change.rule);
    if (!compiled.ok) return refuse(compiled.reason);
    if (this.stages !== undefined && !this.stages.has(compiled.value.stage)) {
      return refuse(
        `key: ${compiled.value.stage} is not a key this flow keeps state by (${[...this.stages].join(', ')}); ` +
          `start it with that key among its rule keys (--rule-keys), or key the rule by the account`,
      );
    }
    const newest = history === undefined ? undefined : findLast(history, (v) => v.rule !== null)?.rule;
    if (newest !== undefined && newest !== null) {
      if (change.rule.version < newest.version) return refuse(`version ${change.rule.version} is below ${newest.version}, the one in force`);
      if (change.rule.version === newest.version) {
        if (JSON.stringify(newest.rule) === JSON.stringify(change.rule)) return { accepted: true, change, rule: newest }; // the same again (a re-read topic)
        return refuse(`version ${change.rule.version} is already in force with another definition: raise the version`);
      }
    }
    this.push(change.id, { id: change.id, rule: compiled.value, at: change.at, source: change.source });
    return { accepted: true, change, rule: compiled.value };
  }

  private push(id: string, version: RuleVersion): void {
    let history = this.versions.get(id);
    if (history === undefined) {
      history = [];
      this.versions.set(id, history);
      this.order.push(id);
    }
    // kept sorted by `at` (a change may state an earlier `from` than one already held)
    let i = history.length;
    while (i > 0 && history[i - 1]!.at > version.at) i--;
    history.splice(i, 0, version);
    if (!this.boundaries.includes(version.at)) this.boundaries = [...this.boundaries, version.at].sort((a, b) => a - b);
    this.cache.clear();
  }

  /** The stages (keys) of the stateful rules it holds now, the account's first. */
  stagesInUse(): string[] {
    const stages = new Set(['account']);
    for (const versions of this.versions.values()) for (const v of versions) if (v.rule?.stateful) stages.add(v.rule.stage);
    return [...stages];
  }

  /**
   * From now on, refuses a rule keyed by a stage not in `stages`: a running flow keeps state only
   * in the stages it was built with.
   */
  fixStages(stages: readonly string[]): void {
    this.stages = new Set(stages);
  }

  /** The rules in force at event time `time`. */
  inForceAt(time: number): RulesInForce {
    // how many boundaries are at or before `time`: the newest interval is the common case
    const { boundaries } = this;
    let interval = boundaries.length;
    if (interval > 0 && time < boundaries[interval - 1]!) {
      let lo = 0;
      let hi = interval - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (boundaries[mid]! <= time) lo = mid + 1;
        else hi = mid;
      }
      interval = lo;
    }
    let inForce = this.cache.get(interval);
    if (inForce === undefined) {
      inForce = this.build(interval === boundaries.length ? Number.POSITIVE_INFINITY : interval === 0 ? Number.NEGATIVE_INFINITY : boundaries[interval - 1]!);
      this.cache.set(interval, inForce);
    }
    return inForce;
  }

  private build(time: number): RulesInForce {
    const rules: CompiledRule[] = [];
    for (const id of this.order) {
      const version = findLast(this.versions.get(id)!, (v) => v.at <= time);
      if (version?.rule && version.rule.enabled) rules.push(version.rule);
    }
    return indexRules(rules);
  }

  /** The newest version of each rule (removed ones left out), with when it took effect: `vigie rules list`. */
  list(): readonly RuleVersion[] {
    const out: RuleVersion[] = [];
    for (const id of this.order) {
      const last = this.versions.get(id)!.at(-1)!;
      if (last.rule !== null) out.push(last);
    }
    return out;
  }

  /** Every version of every rule, in the order they took effect: the set in force at any event time can be read from it. */
  history(): readonly RuleVersion[] {
    return [...this.versions.values()].flat().sort((a, b) => a.at - b.at);
  }
}

/**
 * Indexes rules by the first equality (`==`, `in`) of their `when` on a field: a transaction
 * meets those whose value it has, and the rules with no such filter. The cost of judging grows
 * with the rules that may apply to a transaction, not with the number in force.
 */
export function indexRules(rules: readonly CompiledRule[]): RulesInForce {
  const features = rules.flatMap((rule) => (rule.feature === undefined ? [] : [{ name: rule.feature, stage: rule.stage }]));
  const always: number[] = [];
  const byField = new Map<string, { get: (tx: object) => unknown; values: Map<string, number[]> }>();
  rules.forEach((rule, position) => {
    const equality = rule.index;
    if (equality === undefined) {
      always.push(position);
      return;
    }
    let field = byField.get(equality.field);
    if (field === undefined) {
      field = { get: equality.get, values: new Map() };
      byField.set(equality.field, field);
    }
    for (const value of equality.values) {
      const key = String(value);
      const list = field.values.get(key) ?? [];
      list.push(position);
      field.values.set(key, list);
    }
  });
  if (byField.size === 0) return { rules, features, candidates: () => rules };
  const fields = [...byField.values()];
  return {
    rules,
    features,
    candidates: (tx) => {
      let positions: number[] | undefined;
      for (const field of fields) {
        const value = field.get(tx);
        if (value === undefined) continue;
        const found = field.values.get(String(value));
        if (found !== undefined) positions = positions === undefined ? [...found] : positions.concat(found);
      }
      if (positions === undefined) return always.length === rules.length ? rules : always.map((p) => rules[p]!);
      for (const p of always) positions.push(p);
      positions.sort((a, b) => a - b);
      return positions.map((p) => rules[p]!);
    },
  };
}

function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}
