/**
 * Where `decideOnArrival` keeps its state: per source partition, the accounts (their rule states
 * by name and version, see `ruleStates.ts`), the held transactions, the partition's clock, and
 * the accounts' eviction. A partition met for the first time (new, or restored from a checkpoint)
 * is rebuilt: each account's rule states read back by name, its held transactions put back in
 * order and its `tip` stepped again. A checkpoint writes each account's base by rule name and
 * its last time only.
 */
import type { SourceRef, Transaction } from '../../types.ts';
import type { PartitionState } from '../../state/stateStore.ts';
import { type Account, type AccountState, type HeldTransaction, type RulesState, RulesStore, heldKey } from './rulesStore.ts';
import type { AccountRule } from './accountRule.ts';
import { accountOf } from './accountOf.ts';
import type { AccountHistory } from './accountHistory.ts';
import { AccountEviction, keepEviction } from './accountEviction.ts';
import { RuleStatesReader, type RulesRestored, holdInMemory, toNamed } from './ruleStates.ts';

/**
 * The key of the partition's clock: no account is empty (parseTransaction wants at least one
 * character, and the client id stands in for a missing one). Not a NUL-prefixed name: keys are
 * written to a PostgreSQL text column, which refuses NUL, and every checkpoint then failed.
 */
export const CLOCK = '';

/** One partition's state, and what is not state: the accounts' eviction, rebuilt after a restore. */
export interface PartitionRuntime {
  readonly state: PartitionState<RulesState>;
  readonly held: PartitionState<HeldTransaction>;
  readonly eviction: AccountEviction;
}

export interface RuleStateRuntime {
  /** The partition's state, restored (and rebuilt) the first time the partition is met. */
  of(ref: SourceRef): PartitionRuntime;
  /** Forgets the accounts idle longer than the longest TTL, and their held transactions. */
  evict(runtime: PartitionRuntime, maxTime: number): void;
}

export function ruleStateRuntime(
  rules: readonly AccountRule<unknown>[],
  history: AccountHistory,
  store: RulesStore,
  onRestored: ((restored: RulesRestored) => void) | undefined,
  keyOf: (tx: Transaction) => string | undefined = accountOf,
): RuleStateRuntime {
  const ttl = Math.max(...rules.map((r) => r.ttlMs), 0);
  const runtimes = new WeakMap<PartitionState<RulesState>, PartitionRuntime>();
  // records come in runs of one partition (a fetch batch): the last one found is kept
  let last: { state: PartitionState<RulesState>; runtime: PartitionRuntime } | undefined;

  /**
   * Reads each account's rule states back by name (see `ruleStates.ts`), and puts each held
   * transaction back in its account's `recent`, in order, and its `tip` back.
   */
  const rebuild = (ref: SourceRef, state: PartitionState<RulesState>, held: PartitionState<HeldTransaction>): [string, AccountState][] => {
    const byAccount = new Map<string, HeldTransaction[]>();
    for (const [, entry] of held.entries()) {
      const key = keyOf(entry.record.transaction);
      if (key === undefined) continue;
      let list = byAccount.get(key);
      if (list === undefined) byAccount.set(key, (list = []));
      list.push(entry);
    }
    const reader = new RuleStatesReader(rules, state, { topic: ref.source, partition: ref.partition });
    const accounts: [string, AccountState][] = [];
    for (const [key, value] of state.entries()) {
      if (key === CLOCK) continue;
      const written = value as { base: unknown; recent?: readonly HeldTransaction[]; last: number };
      const { states: base, changed } = reader.read(written.base);
      let recent: readonly HeldTransaction[];
      if (written.recent !== undefined && reader.layout !== undefined) recent = written.recent; // held in memory by another operator
      else if (written.recent !== undefined) {
        // written by a version that kept them inside the account: each gets its own key now
        for (const entry of written.recent) held.set(heldKey(entry), entry);
        recent = written.recent;
      } else recent = (byAccount.get(key) ?? []).sort((a, b) => a.time - b.time || a.record.ref.offset - b.record.ref.offset);
      let tip = base;
      for (const entry of recent) tip = history.stepAll(tip, entry.record, entry.time).states;
      const account: Account = recent.length === 0 ? { base, recent, last: written.last } : { base, tip, recent, last: written.last };
      // in another form than written (rules added, dropped, migrated): written again at the next checkpoint
      if (changed || (written.recent !== undefined && reader.layout === undefined)) state.set(key, account);
      else state.replace(key, account);
      byAccount.delete(key);
      accounts.push([key, account]);
    }
    // held transactions of no account (none, unless written by hand): nothing can use them
    for (const entries of byAccount.values()) for (const entry of entries) held.delete(heldKey(entry));
    const restored = reader.report();
    if (restored !== undefined) onRestored?.(restored);
    return accounts;
  };

  // A checkpoint writes an account's base, by rule name and version, and its last time only:
  // its recent transactions are written under their own keys, once each (see RulesStore).
  // By the rules of the operator holding the partition: a store handed over keeps an old
  // operator's positions until the new one meets the partition's first record.
  store.accounts.compact = (changes, partition) => {
    for (const [key, value] of changes) {
      if (key === CLOCK || value === undefined) continue;
      const { base, last } = value as AccountState;
      changes.set(key, { base: toNamed(partition, base), last });
    }
  };

  return {
    of(ref) {
      const state = store.accounts.partition(ref.source, ref.partition);
      if (last !== undefined && last.state === state) return last.runtime;
      let runtime = runtimes.get(state);
      if (runtime === undefined) {
        // restored (or new): the accounts' recent transactions, and their eviction
        const held = store.held.partition(ref.source, ref.partition);
        const eviction = new AccountEviction(rebuild(ref, state, held).map(([key, account]) => [key, account.last]));
        runtime = { state, held, eviction };
        runtimes.set(state, runtime);
        keepEviction(state, eviction);
        holdInMemory(state, rules);
      }
      last = { state, runtime };
      return runtime;
    },
    evict({ state, held, eviction }, maxTime) {
      eviction.evict(maxTime, ttl, (key) => {
        const account = state.get(key) as Account | undefined;
        state.delete(key);
        for (const entry of account?.recent ?? []) held.delete(heldKey(entry));
      });
    },
  };
}
