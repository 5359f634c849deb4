/**
 * The fraud rules' state, as `decideOnArrival` keeps it and a checkpoint writes it: each account's
 * state, small, and each transaction still within the allowed lateness under a key of its own.
 */
import type { FiredRule, TransactionRecord } from '../../types.ts';
import { StateStore } from '../../state/stateStore.ts';
import type { NamedStates } from './ruleStates.ts';

/**
 * A transaction of an account that a record arriving later may still precede in event time: held,
 * each under a key of its own in {@link RulesStore.held} (its offset), written once and deleted
 * when it is folded into its account's state.
 */
export interface HeldTransaction {
  readonly time: number;
  readonly record: TransactionRecord;
  /** What the stateless rules before this operator said: kept, the stateful reasons follow. */
  readonly given: { readonly reasons: readonly string[]; readonly score: number; readonly fired?: readonly FiredRule[] };
  readonly reasons: readonly string[];
  readonly score: number;
  /** The rules of the rule language that fired, when the rules explain (see `decideOnArrival`'s `explain`). */
  readonly fired?: readonly FiredRule[];
  readonly revision: number;
}

/**
 * One account's state in memory, plain data, replaced and never mutated. A checkpoint writes
 * {@link WrittenAccount}, `base` and `last` only: the recent transactions are written once each,
 * under keys of their own, and `recent` and `tip` are rebuilt from them on restore. An account's
 * value stays small however many of its transactions are held (a backlog holds them all for the
 * allowed lateness).
 */
export interface AccountState {
  /** Each rule's state after the account's final transactions (older than the watermark), by the rule's position. */
  readonly base: readonly unknown[];
  /** Each rule's state after `recent` too: where an in-order transaction is judged from; `base` when absent (no recent). */
  readonly tip?: readonly unknown[];
  /** Transactions at or after the watermark, in event-time order (ties by offset); absent when written down. */
  readonly recent?: readonly HeldTransaction[];
  /** The newest event time of the account, for its TTL. */
  readonly last: number;
}

/** An account in memory: its recent transactions always there. */
export type Account = AccountState & { readonly recent: readonly HeldTransaction[] };

/** The partition's clock, kept among its keys under {@link CLOCK}. */
export interface Clock {
  readonly maxTime: number;
}

/** An account as a checkpoint writes it: each rule's state under its name and version (see `ruleStates.ts`). */
export interface WrittenAccount {
  readonly base: NamedStates;
  readonly last: number;
}

export type RulesState = AccountState | WrittenAccount | Clock;

/**
 * Where the stateful rules keep their state: each account's state (and the partition's clock) in
 * `accounts`, each transaction held within the allowed lateness in `held`. Checkpoint both
 * (`stores`): they are consistent only together.
 */
export class RulesStore {
  readonly accounts: StateStore<RulesState>;
  readonly held: StateStore<HeldTransaction>;
  /**
   * Every store to checkpoint, for `postgresCheckpoints`: both of this one's, and those of the
   * stages created since (see {@link stage}). One array, grown in place, so that a checkpointer
   * given it before the flow was built checkpoints the stages too.
   */
  readonly stores: StateStore<unknown>[];
  private readonly stages = new Map<string, RulesStore>();

  /** @param name the accounts' store name; the held transactions' is `${name}-held`. */
  constructor(
    readonly name = 'fraud-rules',
    stores?: StateStore<unknown>[],
  ) {
    this.accounts = new StateStore<RulesState>(name);
    this.held = new StateStore<HeldTransaction>(`${name}-held`);
    this.stores = stores ?? [];
    this.stores.push(this.accounts as StateStore<unknown>, this.held as StateStore<unknown>);
  }

  /**
   * The store of the rules whose state is kept by another key than the account (`terminal`):
   * `${name}-by-${key}`, created the first time, its stores added to {@link stores}.
   */
  stage(key: string): RulesStore {
    let store = this.stages.get(key);
    if (store === undefined) {
      store = new RulesStore(`${this.name}-by-${key}`, this.stores);
      this.stages.set(key, store);
    }
    return store;
  }
}

/** A held transaction's key: its offset, unique in its partition. */
export const heldKey = (entry: HeldTransaction): string => String(entry.record.ref.offset);
