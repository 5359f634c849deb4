/**
 * A stateful fraud rule as a pure function over one account's transactions in event-time order:
 * what `decideOnArrival` needs to decide each transaction on arrival, to decide again the ones
 * after a transaction that arrived out of order, and to write the state down (it is plain data).
 */
import type { FiredRule, Transaction } from '../../types.ts';

/**
 * A rule firing: the reason a person reads, e.g. `frequency>5/10min`, and how strongly (> 0);
 * a rule of the rule language (src/rules/) also says which rule and version, its value and limit.
 */
export type Flag = { readonly reason: string; readonly score: number } | FiredRule;

export interface AccountRule<S> {
  /** For errors and metrics, and the name its state is written under: unique among the rules that run together. */
  readonly name: string;
  /**
   * The version of its state's shape: raise it when `S` changes, so that state written by an
   * earlier vigie is migrated (see {@link migrate}) or refused, never misread.
   */
  readonly version: number;
  /**
   * The state written by version `fromVersion` of this rule, in the current shape; absent, such
   * state is refused with an error naming the rule and both versions.
   */
  migrate?(fromVersion: number, state: unknown): S;
  /** The state of an account with no transaction yet. Plain data (JSON), never mutated. */
  init(): S;
  /**
   * Judges `transaction` (at event time `time`) against the account's state before it, and gives
   * the state after it. Pure: `state` is not mutated, the same input always gives the same output.
   */
  step(state: S, transaction: Transaction, time: number): { readonly state: S; readonly flags: readonly Flag[]; readonly features?: Features };
  /** An account idle this long in event time starts again from `init()` (its history is forgotten). */
  readonly ttlMs: number;
}

/** Named values a rule computed for a transaction (the rule language's `feature`s), null where it had none. */
export type Features = Readonly<Record<string, number | null>>;

/** No flag: shared so that the common case allocates nothing. */
export const NO_FLAGS: readonly Flag[] = [];
