/**
 * The rule language's rules as one stateful rule for `decideOnArrival`: per account, one state per
 * rule id and version (`frequency@2`), stepped only for the rules in force at the transaction's
 * event time that apply to it (see ruleBook.ts's index). `decideOnArrival` then gives everything
 * the hand-written rules had: decisions on arrival, revisions for out-of-order records, late
 * records judged and left out, and the state checkpointed with its offsets, written per rule
 * (an account's written state is `{ "frequency@2": ..., "zscore@1": ... }`).
 *
 * A new rule's state starts empty. A new version whose state has the same shape (the same key,
 * value and filters: a new limit, reason or score) takes the previous version's state, so that a
 * change of limit keeps its windows; another shape starts empty. A removed or disabled rule's
 * state goes with the account's next transaction.
 */
import type { AccountRule, Features, Flag } from './accountRule.ts';
import { NO_FLAGS } from './accountRule.ts';
import type { Transaction } from '../../types.ts';
import { type CompiledRule, DEFAULT_TTL_MS } from '../../rules/compile.ts';
import type { RuleBook, RulesInForce } from '../../rules/ruleBook.ts';

/** One rule's state in an account: its shape's signature, its last event time, and its state (per sub-key when its key goes beyond the account). */
export interface RuleState {
  readonly g: string;
  readonly t: number;
  readonly s: unknown;
}

/** An account's states: `id@version` → that rule's state. Plain data. */
export type EngineState = Readonly<Record<string, RuleState>>;

/** The state-key of the rules' states that an account holds, pruned for the rules in force when it was written. */
const PRUNED = Symbol('pruned for');

/** The name under which `decideOnArrival` writes the engine's state: see `ruleStates.ts` (its states are written per rule). */
export const ENGINE_NAME = 'rules';

export interface EngineRule extends AccountRule<EngineState> {
  /** The state keys of the stateful rules in force now: what a restore compares the written state with. */
  stateKeys(): readonly string[];
}

/**
 * The rules of `book` as one {@link AccountRule}: step judges a transaction by the rules in force
 * at its event time and steps their states. `ttlMs`: an account idle this long is forgotten
 * whole (30 days by default, the longest a rule may keep state); a rule with a shorter `ttl`
 * starts again on its own.
 */
export function rulesEngine(
  book: RuleBook,
  { ttlMs = DEFAULT_TTL_MS, features = false, stage = 'account' }: { ttlMs?: number; features?: boolean; stage?: string } = {},
): EngineRule {
  return {
    name: ENGINE_NAME,
    version: 1,
    ttlMs,
    stateKeys: () => book.inForceAt(Number.POSITIVE_INFINITY).rules.filter((r) => r.stateful && r.stage === stage).map((r) => r.stateKey),
    init: () => EMPTY,
    step: (state, transaction, time) => stepRules(book.inForceAt(time), state ?? EMPTY, transaction, time, features, stage),
  };
}

const EMPTY: EngineState = Object.freeze({});

function stepRules(
  inForce: RulesInForce,
  state: EngineState,
  tx: Transaction,
  time: number,
  withFeatures: boolean,
  stage: string,
): { state: EngineState; flags: readonly Flag[]; features?: Features } {
  const candidates = inForce.candidates(tx);
  let next: Record<string, RuleState> | undefined;
  let flags: Flag[] | undefined;
  // every feature of this stage in force, null unless its rule applies and has a value
  const features: Record<string, number | null> | undefined = withFeatures ? featuresOf(inForce, stage) : undefined;
  if ((state as { [PRUNED]?: RulesInForce })[PRUNED] !== inForce && Object.keys(state).length > 0) next = pruned(state, inForce, stage);
  for (let i = 0; i < candidates.length; i++) {
    const rule = candidates[i]!;
    if (rule.stage !== stage || !rule.applies(tx)) continue;
    if (!rule.stateful) {
      const { fired, value } = rule.step(undefined, tx, time);
      if (fired !== undefined) (flags ??= []).push(fired);
      if (features !== undefined && rule.feature !== undefined) features[rule.feature] = value ?? null;
      continue;
    }
    const subKey = rule.subKey(tx);
    if (subKey === undefined) continue; // a key field missing: not judged
    const held = find(next ?? state, rule, state);
    const fresh = held === undefined || time - held.state.t > rule.ttlMs;
    const whole = fresh ? undefined : held.state.s;
    let sub: unknown;
    if (subKey === '') sub = whole ?? rule.init();
    else sub = (whole as Record<string, unknown> | undefined)?.[subKey] ?? rule.init();
    const stepped = rule.step(sub, tx, time);
    const s = subKey === '' ? stepped.state : { ...(whole as Record<string, unknown> | undefined), [subKey]: stepped.state };
    next ??= { ...state };
    if (held !== undefined && held.key !== rule.stateKey) delete next[held.key];
    next[rule.stateKey] = { g: rule.signature, t: fresh ? time : Math.max(held.state.t, time), s };
    if (stepped.fired !== undefined) (flags ??= []).push(stepped.fired);
    if (features !== undefined && rule.feature !== undefined) features[rule.feature] = stepped.value ?? null;
  }
  if (next !== undefined) Object.defineProperty(next, PRUNED, { value: inForce, enumerable: false });
  const out = { state: next ?? state, flags: flags ?? NO_FLAGS };
  return features === undefined ? out : { ...out, features };
}

/**
 * The rule's state in `state`: under its own key, or an earlier version's of the same shape,
 * looked for among the keys of `before` (the account's state before this transaction: the keys
 * the rules stepped before this one added are of other ids, and a new account's has none, where
 * looking in `state` cost each rule a scan of those the account had just got).
 */
function find(state: EngineState, rule: CompiledRule, before: EngineState): { key: string; state: RuleState } | undefined {
  const own = state[rule.stateKey];
  if (own !== undefined) return own.g === rule.signature ? { key: rule.stateKey, state: own } : undefined;
  const prefix = `${rule.id}@`;
  for (const key in before) {
    const held = state[key];
    if (key.startsWith(prefix) && held !== undefined && held.g === rule.signature) return { key, state: held };
  }
  return undefined;
}

/** Without the states of rules no longer in force (removed, disabled) unless a version in force has their shape. */
function pruned(state: EngineState, inForce: RulesInForce, stage: string): Record<string, RuleState> {
  const ids = new Map<string, string>();
  for (const rule of inForce.rules) if (rule.stateful && rule.stage === stage) ids.set(rule.id, rule.signature);
  const out: Record<string, RuleState> = {};
  for (const key in state) {
    const id = key.slice(0, key.lastIndexOf('@'));
    if (ids.get(id) === state[key]!.g) out[key] = state[key]!;
  }
  return out;
}

/** This stage's features in force, each null until its rule gives a value; undefined when it has none. */
function featuresOf(inForce: RulesInForce, stage: string): Record<string, number | null> | undefined {
  let features: Record<string, number | null> | undefined;
  for (const f of inForce.features) if (f.stage === stage) (features ??= {})[f.name] = null;
  return features;
}
