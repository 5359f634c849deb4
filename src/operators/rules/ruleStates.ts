/**
 * The rules' states of one account as a checkpoint writes them: each under its rule's name and
 * the version of its shape (`{ "frequency@1": [...], "location@1": {...} }`), the way Kafka
 * Streams gives every store a name and a serde. In memory `decideOnArrival` keeps them by the
 * position of its rules (an array, stepped on every transaction); by name on disk, a restart
 * with another `--rules` (fewer, more, reordered) gives each rule its own state, and a shape
 * that changed between vigie versions is migrated or refused, never read as another.
 */
import { VigieError } from '../../errors.ts';
import type { AccountRule } from './accountRule.ts';

/** An account's rule states as written: `name@version` → that rule's state. */
export type NamedStates = Readonly<Record<string, unknown>>;

/** What a restore found in a partition's accounts that differs from the rules running now. */
export interface RulesRestored {
  readonly topic: string;
  readonly partition: number;
  /** Accounts restored. */
  readonly accounts: number;
  /** Rules running now with no state in some restored accounts: those start from `init()` at the restored offset. */
  readonly started: readonly { readonly rule: string; readonly accounts: number }[];
  /** Rules in the restored state that no longer run: their state is dropped. */
  readonly dropped: readonly { readonly rule: string; readonly accounts: number }[];
  /** States written by an earlier version of a rule and migrated by it. */
  readonly migrated: readonly { readonly rule: string; readonly from: number; readonly accounts: number }[];
  /**
   * Accounts written by vigie up to d418ce4, whose states were kept by position only: which
   * rule each belonged to depends on the `--rules` of that run, which was not written down, and a
   * changed rule set may already have misread them. They are not read: every rule starts from
   * `init()` for those accounts (their `last` and held transactions are kept).
   */
  readonly positional: number;
}

const keyOf = (rule: AccountRule<unknown>): string => `${rule.name}@${rule.version}`;

/**
 * The rule language's engine (src/rules/engine.ts): one rule whose state is already each rule's
 * state under its id and version, written as it is (`{ "frequency@1": ..., "zscore@1": ... }`).
 */
type EngineLike = AccountRule<unknown> & { stateKeys(): readonly string[] };
const engineOf = (rules: readonly AccountRule<unknown>[]): EngineLike | undefined =>
  rules.length === 1 && 'stateKeys' in rules[0]! ? (rules[0] as EngineLike) : undefined;
const FLAT = '*';

/**
 * Partition states whose accounts an operator holds in memory, by the position of its rules (their
 * keys): another operator given the same store (a second subscription, other rules) reads them by
 * those positions, not as a checkpoint of the positional layout.
 */
const inMemory = new WeakMap<object, readonly string[]>();

/** `partition`'s accounts are held in memory by the position of `rules` from now on. */
export function holdInMemory(partition: object, rules: readonly AccountRule<unknown>[]): void {
  inMemory.set(partition, engineOf(rules) ? [FLAT] : rules.map(keyOf));
}

/**
 * `states` of an account of `partition`, held in memory by the position of the rules of the
 * operator holding it, as written.
 */
export function toNamed(partition: object, states: readonly unknown[]): NamedStates {
  const keys = inMemory.get(partition) ?? [];
  if (keys.length === 1 && keys[0] === FLAT) return states[0] as NamedStates;
  const named: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) named[keys[i]!] = states[i];
  return named;
}

/**
 * Reads accounts' written states back by the position of `rules`, tallying what differs, for one
 * partition (`where` names it in errors).
 */
export class RuleStatesReader {
  private accounts = 0;
  private positional = 0;
  private readonly started = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private readonly migrated = new Map<string, { rule: string; from: number; accounts: number }>();

  /** The keys by which the partition's accounts are held in memory; undefined when restored (written). */
  readonly layout: readonly string[] | undefined;

  constructor(
    private readonly rules: readonly AccountRule<unknown>[],
    partition: object,
    private readonly where: { readonly topic: string; readonly partition: number },
  ) {
    this.layout = inMemory.get(partition);
  }

  /**
   * The states of `rules` in `written` (an account's written `base`); `changed` when they are not
   * what is written (a rule added, dropped or migrated), so that the account is written again.
   * @throws VigieError a state written by another version of its rule, which has no migration for it
   */
  read(written: unknown): { states: unknown[]; changed: boolean } {
    this.accounts++;
    if (Array.isArray(written) && this.layout === undefined) {
      this.positional++;
      return { states: this.rules.map((r) => r.init()), changed: true };
    }
    const engine = engineOf(this.rules);
    if (engine !== undefined) return this.readFlat(engine, written);
    const named = Array.isArray(written) ? Object.fromEntries(this.layout!.map((key, i) => [key, written[i]])) : ((written ?? {}) as NamedStates);
    let used = 0;
    let changed = false;
    const states = this.rules.map((rule) => {
      const exact = keyOf(rule);
      if (Object.hasOwn(named, exact)) {
        used++;
        return named[exact];
      }
      const other = Object.keys(named).find((key) => nameOf(key) === rule.name);
      changed = true;
      if (other === undefined) {
        this.started.set(rule.name, (this.started.get(rule.name) ?? 0) + 1);
        return rule.init();
      }
      used++;
      const from = Number(other.slice(rule.name.length + 1));
      if (rule.migrate === undefined) {
        throw new VigieError(
          'STATE_INCOMPATIBLE',
          `rule ${rule.name}: the restored state was written by its version ${from}, this vigie's ${rule.name} is version ${rule.version} and cannot migrate it; ` +
            `start this consumer group afresh (its state in vigie_state) or run the vigie that wrote it`,
          { where: { ...this.where } },
        );
      }
      const tally = this.migrated.get(other) ?? { rule: rule.name, from, accounts: 0 };
      tally.accounts++;
      this.migrated.set(other, tally);
      return rule.migrate(from, named[other]);
    });
    for (const key of Object.keys(named)) {
      if (this.rules.some((r) => r.name === nameOf(key))) continue;
      this.dropped.set(nameOf(key), (this.dropped.get(nameOf(key)) ?? 0) + 1);
      changed = true;
    }
    return { states, changed: changed || used !== Object.keys(named).length };
  }

  /**
   * An account written by the rule language's engine: each rule's state under `id@version`, read
   * as it is (the engine finds a rule's state under an earlier version of the same shape); the
   * rules in force with no state of their id, and the ids written that no rule in force has, are
   * tallied. A state the engine did not write (a hand-written rule's, before the rule language)
   * counts as dropped, its id's rule as started.
   */
  private readFlat(engine: EngineLike, given: unknown): { states: unknown[]; changed: boolean } {
    // held in memory by another operator on the same store: by the position of its rules
    const written = Array.isArray(given) ? (this.layout![0] === FLAT ? given[0] : Object.fromEntries(this.layout!.map((key, i) => [key, given[i]]))) : given;
    const named = (written !== null && typeof written === 'object' && !Array.isArray(written) ? written : {}) as NamedStates;
    const ours = Object.keys(named).filter((key) => isRuleState(named[key]));
    const writtenIds = new Set(ours.map(nameOf));
    const inForce = new Set(engine.stateKeys().map(nameOf));
    let changed = ours.length !== Object.keys(named).length;
    for (const id of inForce) {
      if (writtenIds.has(id)) continue;
      this.started.set(id, (this.started.get(id) ?? 0) + 1);
      changed = true;
    }
    for (const key of Object.keys(named)) {
      const id = nameOf(key);
      if (inForce.has(id) && isRuleState(named[key])) continue;
      this.dropped.set(id, (this.dropped.get(id) ?? 0) + 1);
      changed = true;
    }
    return { states: [Object.fromEntries(ours.map((key) => [key, named[key]]))], changed };
  }

  /** What differed, or undefined when every account held exactly the rules running now. */
  report(): RulesRestored | undefined {
    if (this.positional === 0 && this.started.size === 0 && this.dropped.size === 0 && this.migrated.size === 0) return undefined;
    const list = (tallies: Map<string, number>) => [...tallies].map(([rule, accounts]) => ({ rule, accounts }));
    return {
      ...this.where,
      accounts: this.accounts,
      started: list(this.started),
      dropped: list(this.dropped),
      migrated: [...this.migrated.values()],
      positional: this.positional,
    };
  }
}

/** `frequency@1` → `frequency`. */
const nameOf = (key: string): string => {
  const at = key.lastIndexOf('@');
  return at < 0 ? key : key.slice(0, at);
};

/** A rule state the engine wrote: `{ g: signature, t: last time, s: state }`. */
const isRuleState = (value: unknown): boolean => value !== null && typeof value === 'object' && typeof (value as { g?: unknown }).g === 'string';
