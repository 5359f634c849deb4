import type { OperatorFunction } from 'rxjs';
import { operate, operatorSubscriber } from '../operate.ts';
import type { FiredRule, SourceRef, Transaction } from '../../types.ts';
import { type Account, type AccountState, type Clock, type HeldTransaction, RulesStore, type RulesState, heldKey } from './rulesStore.ts';
import type { AccountRule, Features } from './accountRule.ts';
import { accountOf } from './accountOf.ts';
import { eventTime } from './eventTime.ts';
import type { Judged } from './judged.ts';
import type { RulesRestored } from './ruleStates.ts';
import { accountHistory } from './accountHistory.ts';
import { CLOCK, ruleStateRuntime } from './ruleStateRuntime.ts';

export { RulesStore };
export type { AccountState, HeldTransaction, RulesRestored, RulesState };

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
  /**
   * Each judgement carries `fired`: the rules of the rule language that fired (ids, versions,
   * values, limits), for alerts and rows that say why. Off by default: the judgements stay
   * `{ record, reasons, score, late }`.
   */
  readonly explain?: boolean;
  /**
   * Each judgement carries `features`: the named values of the rule language's rules (their
   * `feature`) at that transaction, what a model reads (see src/rules/features.ts). Off by default.
   */
  readonly features?: boolean;
  /**
   * The key its state is kept by: the account by default (the topic's key). A record without
   * one (undefined) passes as it came, its time still moving the partition's clock. Given
   * another key (a terminal), it runs after the account's: a revision coming from a stage before
   * it updates what that stage said of a record it holds, and comes out as its own revision.
   */
  readonly keyOf?: (tx: Transaction) => string | undefined;
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
 * the watermark is judged against the state as it is, marked `late`, and left out of the state;
 * a label event behind it (src/rules/labels.ts) is never dropped: it takes effect at the
 * partition's newest time, where it arrived.
 *
 * Everything depends only on each partition's records in offset order: a backlog read at any
 * speed, or a partition read again after a restart from its checkpointed state, gives the same
 * decisions and revisions as the live stream. The state is written under each rule's name and
 * version (see `ruleStates.ts`): restored with other rules, each rule finds its own state, a rule
 * new to it starts from `init()`, and a dropped rule's state goes. This file decides (accept,
 * revise); the state is kept by `ruleStateRuntime.ts` (restore, eviction, checkpoint form) and
 * moved by `accountHistory.ts` (fold, expire).
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
  const history = accountHistory(rules);
  const { initial, stepAll, expire, fold } = history;

  return operate<Judged, Judged>((subscriber, source) => {
    const keyOf = options.keyOf ?? accountOf;
    const runtimes = ruleStateRuntime(rules, history, options.store ?? new RulesStore(), options.onRestored, keyOf);

    const explain = options.explain === true;
    const withFeatures = options.features === true;
    const featured = (out: Judged, features: Features | undefined): Judged =>
      withFeatures && features !== undefined ? { ...out, features: out.features === undefined ? features : { ...out.features, ...features } } : out;
    const decided = (given: HeldTransaction['given'], reasons: string[] | undefined, score: number, fired: readonly FiredRule[] | undefined): Decision => {
      const base = reasons === undefined ? { reasons: given.reasons, score: given.score } : { reasons: [...given.reasons, ...reasons], score: Math.max(given.score, score) };
      if (!explain) return base;
      const all = fired === undefined ? given.fired : given.fired === undefined ? fired : [...given.fired, ...fired];
      return all === undefined ? base : { ...base, fired: all };
    };

    /**
     * A revision from a stage before this one: what that stage says of a record changed. A record
     * this stage holds is decided again with the new `given` and its own part as it was (from the
     * state before it); one it does not hold (no key here) passes as it came.
     */
    const reviseGiven = (judged: Judged): void => {
      const { record } = judged;
      const { state, held } = runtimes.of(record.ref);
      const entry = held.get(String(record.ref.offset));
      const key = keyOf(record.transaction);
      const stored = key === undefined ? undefined : (state.get(key) as Account | undefined);
      const at = entry === undefined || stored === undefined ? -1 : stored.recent.findIndex((r) => r.record.ref.offset === record.ref.offset);
      if (at < 0) {
        subscriber.next(judged);
        return;
      }
      let states = stored!.base;
      for (let i = 0; i < at; i++) states = stepAll(states, stored!.recent[i]!.record, stored!.recent[i]!.time).states;
      const own = stepAll(states, record, entry!.time);
      const given: HeldTransaction['given'] =
        explain && judged.fired !== undefined ? { reasons: judged.reasons, score: judged.score, fired: judged.fired } : { reasons: judged.reasons, score: judged.score };
      const now = decided(given, own.reasons, own.score, own.fired);
      const { fired: _stale, ...kept } = entry!;
      const revised: HeldTransaction = { ...kept, given, ...now, revision: entry!.revision + 1 };
      held.set(heldKey(revised), revised);
      const recent = [...stored!.recent];
      recent[at] = revised;
      state.set(key!, { ...stored!, recent });
      const out: Judged = { record, reasons: revised.reasons, score: revised.score, late: false, revision: revised.revision, cause: judged.cause! };
      subscriber.next(featured(revised.fired === undefined ? out : { ...out, fired: revised.fired }, own.features));
    };

    const accept = (judged: Judged): void => {
      if ((judged.revision ?? 0) > 0) {
        reviseGiven(judged);
        return;
      }
      const { record } = judged;
      const runtime = runtimes.of(record.ref);
      const { state, held } = runtime;
      const clock = state.get(CLOCK) as Clock | undefined;
      const before = clock?.maxTime ?? Number.NEGATIVE_INFINITY;
      // A label event behind the watermark is not left out as a late transaction is: it takes
      // effect at its place in the partition, the partition's newest time (in training's event
      // time order it never is behind; docs/model-serving.md, Labels)
      const stamped = eventTime(record.transaction);
      const time = record.transaction.label !== undefined && stamped < before - allowedLatenessMs ? before : stamped;
      const key = keyOf(record.transaction);
      if (key === undefined) {
        // nothing to keep by this key: judged as it came, its time still the partition's
        if (time > before) {
          state.set(CLOCK, { maxTime: time });
          options.onWatermark?.(record.ref, time - allowedLatenessMs);
        }
        subscriber.next(time < before - allowedLatenessMs ? { ...judged, late: true } : judged);
        return;
      }
      const stored = state.get(key) as Account | undefined;
      const given: HeldTransaction['given'] =
        explain && judged.fired !== undefined ? { reasons: judged.reasons, score: judged.score, fired: judged.fired } : { reasons: judged.reasons, score: judged.score };

      if (time < before - allowedLatenessMs) {
        // Too late to take its place: judged against the state as it is, which it leaves alone.
        const account = stored === undefined ? initial() : expire(stored, before);
        const { reasons, score, fired, features } = stepAll(account.tip ?? account.base, record, time);
        subscriber.next(featured({ ...judged, ...decided(given, reasons, score, fired), late: true }, features));
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
        const entry: HeldTransaction = { time, record, given, ...decided(given, step.reasons, step.score, step.fired), revision: 0 };
        outputs.push(featured(judgedAs(judged, entry), step.features));
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
        const entry: HeldTransaction = { time, record, given, ...decided(given, step.reasons, step.score, step.fired), revision: 0 };
        entries.push(entry);
        held.set(heldKey(entry), entry);
        outputs.push(featured(judgedAs(judged, entry), step.features));
        for (let i = at; i < recent.length; i++) {
          const old = recent[i]!;
          const again = stepAll(states, old.record, old.time);
          states = again.states;
          const now = decided(old.given, again.reasons, again.score, again.fired);
          if (sameDecision(now, old)) {
            entries.push(old);
            continue;
          }
          // `fired` from `now` only: the old decision's must not outlive it
          const { fired: _stale, ...kept } = old;
          const revised: HeldTransaction = { ...kept, ...now, revision: old.revision + 1 };
          entries.push(revised);
          held.set(heldKey(revised), revised);
          const revision: Judged = { record: old.record, reasons: revised.reasons, score: revised.score, late: false, revision: revised.revision, cause: record.ref };
          outputs.push(featured(revised.fired === undefined ? revision : { ...revision, fired: revised.fired }, again.features));
        }
        next = { base: account.base, tip: states, recent: entries, last: Math.max(account.last, time) };
      }
      state.set(key, next);
      runtime.eviction.touch(key, next.last);
      runtimes.evict(runtime, maxTime);
      for (const output of outputs) {
        if (subscriber.closed) return;
        subscriber.next(output);
      }
    };

    source.subscribe(operatorSubscriber<Judged>(subscriber, { next: accept }));
  });
}

type Decision = { readonly reasons: readonly string[]; readonly score: number; readonly fired?: readonly FiredRule[] };

/** `judged` with the decision of its entry (and the rules that fired, when they explain). */
function judgedAs(judged: Judged, entry: HeldTransaction): Judged {
  const out = { ...judged, reasons: entry.reasons, score: entry.score };
  return entry.fired === undefined ? out : { ...out, fired: entry.fired };
}

function sameDecision(a: Decision, b: Decision): boolean {
  return a.score === b.score && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]) && sameFired(a.fired, b.fired);
}

/** The same rules fired with the same values and limits: a revision that changes only a value (a constant score) is still a revision. */
function sameFired(a: readonly FiredRule[] | undefined, b: readonly FiredRule[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((f, i) => f.id === b[i]!.id && f.version === b[i]!.version && Object.is(f.value, b[i]!.value) && f.limit === b[i]!.limit);
}
