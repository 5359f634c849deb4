import type { OperatorFunction } from 'rxjs';
import { operate, operatorSubscriber } from '../operate.ts';
import type { SourceRef, TransactionRecord } from '../../types.ts';
import type { PartitionState } from '../../state/stateStore.ts';
import { type Account, type AccountState, type Clock, type HeldTransaction, RulesStore, type RulesState, heldKey } from './rulesStore.ts';
import type { AccountRule } from './accountRule.ts';
import { accountOf } from './accountOf.ts';
import { eventTime } from './eventTime.ts';
import type { Judged } from './judged.ts';
import { AccountEviction, keepEviction } from './accountEviction.ts';
import { RuleStatesReader, type RulesRestored, holdInMemory, toNamed } from './ruleStates.ts';

export { RulesStore };
export type { AccountState, HeldTransaction, RulesRestored, RulesState };

/**
 * The key of the partition's clock: no account is empty (parseTransaction wants at least one
 * character, and the client id stands in for a missing one). Not a NUL-prefixed name: keys are
 * written to a PostgreSQL text column, which refuses NUL, and every checkpoint then failed.
 */
const CLOCK = '';

export interface DecideOnArrivalOptions {
  /**
   * How far (event time) behind the newest transaction of its partition a transaction may arrive
   * and still take its place in the accounts' histories; 30 s by default. Later ones are judged
   * against the state as it is, marked `late`, and left out of it.
   */
  readonly allowedLatenessMs?: number;
  /** Where the state lives; a store of its own by default. Give one to checkpoint it (src/state/). */
  readonly store?: RulesStore;
  /** Told of each partition's watermark when it moves (epoch ms), for metrics. */
  readonly onWatermark?: (ref: SourceRef, watermark: number) => void;
  /**
   * Told, once per restored partition, of the rules whose restored state differs from the rules
   * running now (added, dropped, migrated, or written by position by an older vigie), for the log.
   */
  readonly onRestored?: (restored: RulesRestored) => void;
}

/** Per partition, what is not state: the accounts' eviction, rebuilt after a restore. */
interface Runtime {
  readonly state: PartitionState<RulesState>;
  readonly held: PartitionState<HeldTransaction>;
  readonly eviction: AccountEviction;
}

/**
 * Runs stateful rules over each account's transactions and decides every transaction the moment
 * it arrives, from the state of everything before it in event time: no record is held back.
 *
 * The state is per source partition (a Kafka topic keyed by account keeps each account in one
 * partition), with the partition's own watermark: its newest event time minus the allowed
 * lateness. A transaction at or after the watermark that arrives before others of its account
 * with later event times takes its place among them, and those are decided again: each decision
 * that changes comes out as a revision (`revision` 1, 2, ... of that record, `cause` the record
 * that changed it), the way Kafka Streams emits updates instead of waiting. A transaction behind
 * the watermark is judged against the state as it is, marked `late`, and left out of the state.
 *
 * Everything depends only on each partition's records in offset order: a backlog read at any
 * speed, or a partition read again after a restart from its checkpointed state, gives the same
 * decisions and revisions as the live stream. The state is written under each rule's name and
 * version (see `ruleStates.ts`): restored with other rules, each rule finds its own state, a rule
 * new to it starts from `init()`, and a dropped rule's state goes.
 *
 * ```
 * source:  -a-b-c-|          one account, event times a = 10:00:00, b = 10:00:20, c = 10:00:10
 *          decideOnArrival([frequencyRule({ max: 1, windowMs: 30_000 })])
 * output:  -a-B-(CR)-|       B: a and b in b's window, 2 > 1, score 2. c comes out of order but
 *                            within the lateness: C, against a (score 2); and b, now with a and c
 *                            before it, is decided again: R = b's revision 1, score 3, cause c
 * ```
 *
 * @example
 * records$.pipe(judge(), decideOnArrival([frequencyRule(), locationRule()], { allowedLatenessMs: 60_000 }))
 *
 * @param rules the stateful rules, judged in this order (their reasons in this order too).
 * @param options the allowed lateness, the store, a watermark listener.
 * @return Each input's judgement as it arrives, followed by the revisions it caused.
 */
export function decideOnArrival(rules: readonly AccountRule<unknown>[], options: DecideOnArrivalOptions = {}): OperatorFunction<Judged, Judged> {
  const { allowedLatenessMs = 30_000 } = options;
  if (!(allowedLatenessMs >= 0 && allowedLatenessMs < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`decideOnArrival: allowedLatenessMs must be a finite number >= 0, got ${allowedLatenessMs}`);
  }
  for (const rule of rules) {
    if (!(rule.ttlMs > allowedLatenessMs)) {
      throw new RangeError(`decideOnArrival: ${rule.name}'s ttlMs (${rule.ttlMs}) must be above allowedLatenessMs (${allowedLatenessMs})`);
    }
  }
  const names = rules.map((r) => r.name);
  if (new Set(names).size !== names.length) throw new RangeError(`decideOnArrival: two rules named alike (${names.join(', ')}): each rule's state is kept under its name`);
  const ttl = Math.max(...rules.map((r) => r.ttlMs), 0);
  const shortestTtl = Math.min(...rules.map((r) => r.ttlMs));

  return operate<Judged, Judged>((subscriber, source) => {
    const store = options.store ?? new RulesStore();
    const runtimes = new WeakMap<PartitionState<RulesState>, Runtime>();

    // records come in runs of one partition (a fetch batch): the last one found is kept
    let last: { source: string; partition: number; state: PartitionState<RulesState>; runtime: Runtime } | undefined;
    const runtimeOf = (ref: SourceRef): Runtime => {
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
      last = { source: ref.source, partition: ref.partition, state, runtime };
      return runtime;
    };

    /**
     * Reads each account's rule states back by name (see `ruleStates.ts`), and puts each held
     * transaction back in its account's `recent`, in order, and its `tip` back.
     */
    const rebuild = (ref: SourceRef, state: PartitionState<RulesState>, held: PartitionState<HeldTransaction>): [string, AccountState][] => {
      const byAccount = new Map<string, HeldTransaction[]>();
      for (const [, entry] of held.entries()) {
        const key = accountOf(entry.record.transaction);
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
        for (const entry of recent) tip = stepAll(tip, entry.record, entry.time).states;
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
      if (restored !== undefined) options.onRestored?.(restored);
      return accounts;
    };

    const initial = (): Account => {
      return { base: rules.map((r) => r.init()), recent: [], last: Number.NEGATIVE_INFINITY };
    };

    /** Steps every rule from `states` through `entry`: the new states and the stateful reasons. */
    const stepAll = (states: readonly unknown[], record: TransactionRecord, time: number) => {
      const next = new Array<unknown>(rules.length);
      let reasons: string[] | undefined;
      let score = 0;
      for (let i = 0; i < rules.length; i++) {
        const { state, flags } = rules[i]!.step(states[i], record.transaction, time);
        next[i] = state;
        for (const f of flags) {
          (reasons ??= []).push(f.reason);
          score = Math.max(score, f.score);
        }
      }
      return { states: next, reasons, score };
    };

    const decided = (given: HeldTransaction['given'], reasons: string[] | undefined, score: number) =>
      reasons === undefined ? { reasons: given.reasons, score: given.score } : { reasons: [...given.reasons, ...reasons], score: Math.max(given.score, score) };

    /** Forgets the accounts idle longer than the longest TTL, and their held transactions. */
    const evict = ({ state, held, eviction }: Runtime, maxTime: number): void => {
      eviction.evict(maxTime, ttl, (key) => {
        const account = state.get(key) as Account | undefined;
        state.delete(key);
        for (const entry of account?.recent ?? []) held.delete(heldKey(entry));
      });
    };

    const accept = (judged: Judged): void => {
      const { record } = judged;
      const time = eventTime(record.transaction);
      const runtime = runtimeOf(record.ref);
      const { state, held } = runtime;
      const clock = state.get(CLOCK) as Clock | undefined;
      const before = clock?.maxTime ?? Number.NEGATIVE_INFINITY;
      const key = accountOf(record.transaction);
      const stored = state.get(key) as Account | undefined;
      const given = { reasons: judged.reasons, score: judged.score };

      if (time < before - allowedLatenessMs) {
        // Too late to take its place: judged against the state as it is, which it leaves alone.
        const account = stored === undefined ? initial() : expire(stored, before);
        const { reasons, score } = stepAll(account.tip ?? account.base, record, time);
        subscriber.next({ ...judged, ...decided(given, reasons, score), late: true });
        return;
      }

      const maxTime = Math.max(before, time);
      if (maxTime !== before) {
        state.set(CLOCK, { maxTime });
        options.onWatermark?.(record.ref, maxTime - allowedLatenessMs);
      }
      const watermark = maxTime - allowedLatenessMs;
      const account = fold(stored === undefined ? initial() : expire(stored, maxTime), watermark);
      // folded (a prefix of them), or all gone with an expired account: no longer held
      if (stored !== undefined) for (let i = 0; i < stored.recent.length - account.recent.length; i++) held.delete(heldKey(stored.recent[i]!));

      // Its place among the recent transactions: after every one before it in event time (it has
      // the partition's highest offset, so after those of the same time too).
      const recent = account.recent;
      let at = recent.length;
      while (at > 0 && recent[at - 1]!.time > time) at--;
      const outputs: Judged[] = [];
      let next: Account;
      if (at === recent.length) {
        const step = stepAll(account.tip ?? account.base, record, time);
        const entry: HeldTransaction = { time, record, given, ...decided(given, step.reasons, step.score), revision: 0 };
        outputs.push({ ...judged, reasons: entry.reasons, score: entry.score });
        held.set(heldKey(entry), entry);
        next = { base: account.base, tip: step.states, recent: [...recent, entry], last: Math.max(account.last, time) };
      } else {
        // Out of order: decide it, then every later one again, from the base.
        let states = account.base;
        const entries: HeldTransaction[] = [];
        for (let i = 0; i < at; i++) {
          states = stepAll(states, recent[i]!.record, recent[i]!.time).states;
          entries.push(recent[i]!);
        }
        const step = stepAll(states, record, time);
        states = step.states;
        const entry: HeldTransaction = { time, record, given, ...decided(given, step.reasons, step.score), revision: 0 };
        entries.push(entry);
        held.set(heldKey(entry), entry);
        outputs.push({ ...judged, reasons: entry.reasons, score: entry.score });
        for (let i = at; i < recent.length; i++) {
          const old = recent[i]!;
          const again = stepAll(states, old.record, old.time);
          states = again.states;
          const now = decided(old.given, again.reasons, again.score);
          if (sameDecision(now, old)) {
            entries.push(old);
            continue;
          }
          const revised: HeldTransaction = { ...old, ...now, revision: old.revision + 1 };
          entries.push(revised);
          held.set(heldKey(revised), revised);
          outputs.push({ record: old.record, reasons: revised.reasons, score: revised.score, late: false, revision: revised.revision, cause: record.ref });
        }
        next = { base: account.base, tip: states, recent: entries, last: Math.max(account.last, time) };
      }
      state.set(key, next);
      runtime.eviction.touch(key, next.last);
      evict(runtime, maxTime);
      for (const output of outputs) {
        if (subscriber.closed) return;
        subscriber.next(output);
      }
    };

    /** The account with the rules whose TTL ran out since its last transaction back at `init()`. */
    const expire = (account: Account, maxTime: number): Account => {
      if (!(maxTime - account.last > shortestTtl)) return account;
      // Idle that long, every recent transaction is final (ttl > lateness): fold them first.
      const folded = fold(account, Number.POSITIVE_INFINITY);
      const states = rules.map((r, i) => (maxTime - account.last > r.ttlMs ? r.init() : folded.base[i]));
      return { base: states, recent: [], last: account.last };
    };

    /** Moves the transactions before `watermark` into the base: no transaction can precede them any more. */
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
    source.subscribe(operatorSubscriber<Judged>(subscriber, { next: accept }));
  });
}

function sameDecision(a: { reasons: readonly string[]; score: number }, b: { reasons: readonly string[]; score: number }): boolean {
  return a.score === b.score && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]);
}

