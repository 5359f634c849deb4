/**
 * An account's history under a set of stateful rules: its `base` (the rules' states after every
 * transaction that can no longer be preceded), its `recent` transactions (which a late arrival may
 * still precede) and its `tip` (the states after them all). These are the state's own moves;
 * what is decided from them, and revised, is `decideOnArrival`'s.
 */
import type { FiredRule, TransactionRecord } from '../../types.ts';
import type { Account } from './rulesStore.ts';
import type { AccountRule, Features } from './accountRule.ts';

export interface RulesStep {
  readonly states: unknown[];
  /** The stateful reasons, undefined when no rule flagged. */
  readonly reasons: string[] | undefined;
  readonly score: number;
  /** The rules of the rule language that fired, with their versions, values and limits; undefined when none. */
  readonly fired: FiredRule[] | undefined;
  /** The named values (features) the rules computed; undefined when none has any. */
  readonly features: Features | undefined;
}

export interface AccountHistory {
  /** An account no transaction touched: every rule at `init()`. */
  initial(): Account;
  /** Steps every rule from `states` through `record`: the new states and the stateful reasons. */
  stepAll(states: readonly unknown[], record: TransactionRecord, time: number): RulesStep;
  /** The account with the rules whose TTL ran out since its last transaction back at `init()`. */
  expire(account: Account, maxTime: number): Account;
  /** Moves the transactions before `watermark` into the base: no transaction can precede them any more. */
  fold(account: Account, watermark: number): Account;
}

export function accountHistory(rules: readonly AccountRule<unknown>[]): AccountHistory {
  const shortestTtl = Math.min(...rules.map((r) => r.ttlMs));

  const stepAll = (states: readonly unknown[], record: TransactionRecord, time: number): RulesStep => {
    const next = new Array<unknown>(rules.length);
    let reasons: string[] | undefined;
    let fired: FiredRule[] | undefined;
    let features: Features | undefined;
    let score = 0;
    for (let i = 0; i < rules.length; i++) {
      const stepped = rules[i]!.step(states[i], record.transaction, time);
      const { state, flags } = stepped;
      if (stepped.features !== undefined) features = features === undefined ? stepped.features : { ...features, ...stepped.features };
      next[i] = state;
      for (const f of flags) {
        (reasons ??= []).push(f.reason);
        score = Math.max(score, f.score);
        if ('id' in f) (fired ??= []).push(f);
      }
    }
    return { states: next, reasons, score, fired, features };
  };

  const fold = (account: Account, watermark: number): Account => {
    const { recent } = account;
    let count = 0;
    while (count < recent.length && recent[count]!.time < watermark) count++;
    if (count === 0) return account;
    const tip = account.tip ?? account.base;
    if (count === recent.length) return { base: tip, recent: [], last: account.last };
    let base = account.base;
    for (let i = 0; i < count; i++) base = stepAll(base, recent[i]!.record, recent[i]!.time).states;
    return { base, tip, recent: recent.slice(count), last: account.last };
  };

  const expire = (account: Account, maxTime: number): Account => {
    if (!(maxTime - account.last > shortestTtl)) return account;
    // Idle that long, every recent transaction is final (ttl > lateness): fold them first.
    const folded = fold(account, Number.POSITIVE_INFINITY);
    const states = rules.map((r, i) => (maxTime - account.last > r.ttlMs ? r.init() : folded.base[i]));
    return { base: states, recent: [], last: account.last };
  };

  return {
    initial: () => ({ base: rules.map((r) => r.init()), recent: [], last: Number.NEGATIVE_INFINITY }),
    stepAll,
    expire,
    fold,
  };
}
