/**
 * The rule set in force at an event time, read from a book's history: which version of each rule
 * judged a transaction of that time (what `vigie rules list --at TIME` prints). Pure: the book is
 * only read.
 *
 * ```
 * history:  amount v1 @-∞   frequency v1 @-∞   amount v2 @10:00   frequency removed @11:00
 * at 09:00  → amount v1, frequency v1
 * at 10:30  → amount v2, frequency v1
 * at 11:00  → amount v2
 * ```
 *
 * A disabled version is listed (`rule.enabled` false): it is the version in force, and says that
 * the rule judges nothing then; a removed rule is not listed. Rules come in the order of their
 * first version's `at` (the order of `book.history()`).
 *
 * @example
 * for (const v of rulesInForceAt(book, Date.parse('2026-12-07T10:30:00Z'))) console.log(v.id, v.rule.version, v.source);
 */
import type { CompiledRule } from './compile.ts';
import type { RuleBook, RuleVersion } from './ruleBook.ts';

/** A version of a rule in force: never a removal. */
export type VersionInForce = RuleVersion & { readonly rule: CompiledRule };

/**
 * @param book the rules as they changed.
 * @param time an event time (epoch ms); a version holds from its `at` on, inclusive.
 * @return Each rule's version in force at `time`, with when it took effect and where it came from.
 */
export function rulesInForceAt(book: Pick<RuleBook, 'history'>, time: number): VersionInForce[] {
  if (Number.isNaN(time)) throw new RangeError('rulesInForceAt: the time is not a number (an unparsable date?)');
  // history() is sorted by `at`: the last version at or before `time` of each id wins
  const latest = new Map<string, RuleVersion>();
  for (const version of book.history()) {
    if (version.at > time) break;
    latest.set(version.id, version);
  }
  const inForce: VersionInForce[] = [];
  for (const version of latest.values()) if (version.rule !== null) inForce.push(version as VersionInForce);
  return inForce;
}
