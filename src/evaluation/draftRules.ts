/**
 * `vigie rules test`'s methods: a draft of rules beside the live set, for `evaluateFraud`. The
 * draft set is the live set with the draft's rules taken as `vigie rules add` would take them (a
 * rule of a new id added, one of an id in force replacing it, at a higher version), so a draft
 * that would be refused live is refused here, with the same reason.
 *
 * Each set runs once, through `judgeByRules` (the flow's operator) explaining which rules fired;
 * each rule is scored from those explanations in the same pass (a rule's state is its own, so in
 * a set it decides as it would alone): one replay for the two sets and all their rules.
 */
import { judgeByRules } from '../operators/rules/judgeByRules.ts';
import { RuleBook } from '../rules/ruleBook.ts';
import { type Rule, checkRule, checkRuleSet } from '../rules/schema.ts';
import { VigieError } from '../errors.ts';
import type { FraudMethod } from './evaluateFraud.ts';

/** The method names: the two sets, then `live:ID` per live rule and `draft:ID` per rule the draft adds or changes. */
export const LIVE = 'live';
export const DRAFT = 'draft';

export interface DraftMethods {
  readonly methods: Readonly<Record<string, FraudMethod>>;
  /** The draft set's rules, in the order they judge. */
  readonly draftSet: readonly Rule[];
}

/** A draft file's text: a rule set (`{ "rules": [...] }`) or one rule; a VigieError naming the file and what is wrong. */
export function parseDraft(text: string, file: string): Rule[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VigieError('FILE_INVALID', `${file}: not JSON: ${(error as Error).message}`, { where: { file } });
  }
  const isSet = json !== null && typeof json === 'object' && 'rules' in json;
  const checked = isSet ? checkRuleSet(json) : checkRule(json);
  if (!checked.ok) throw new VigieError('FILE_INVALID', `${file}: ${isSet ? '' : 'not a rule set ({ "rules": [...] }) nor a rule: '}${checked.reason}`, { where: { file } });
  return isSet ? [...(checked.value as { rules: Rule[] }).rules] : [checked.value as Rule];
}

/**
 * The live set, the draft set and each of their rules as methods of `evaluateFraud`.
 *
 * @param live the rules in force.
 * @param draft the rules to try: added, or replacing the live rule of their id.
 * @param allowedLatenessMs the rules' allowed lateness.
 */
export function draftMethods(live: readonly Rule[], draft: readonly Rule[], { allowedLatenessMs = 30_000 }: { allowedLatenessMs?: number } = {}): DraftMethods {
  const liveBook = RuleBook.of(live, 'live');
  const draftBook = RuleBook.of(live, 'live');
  for (const rule of draft) {
    const outcome = draftBook.apply({ id: rule.id, rule, at: Number.NEGATIVE_INFINITY, source: 'draft' });
    if (!outcome.accepted) throw new VigieError('CONFIG_INVALID', `the draft's rule ${rule.id} would be refused: ${outcome.reason}`, { where: { rule: rule.id } });
  }
  const run = (book: RuleBook): FraudMethod => {
    const stateful = book.inForceAt(Number.POSITIVE_INFINITY).rules.filter((r) => r.stateful);
    return judgeByRules(book, { allowedLatenessMs, explain: true, ttlMs: Math.max(60_000, ...stateful.map((r) => r.ttlMs)) });
  };
  const liveRules = liveBook.inForceAt(Number.POSITIVE_INFINITY).rules;
  const draftRules = draftBook.inForceAt(Number.POSITIVE_INFINITY).rules;
  const liveByKey = new Set(liveRules.map((r) => `${r.id}@${r.version}`));
  const methods: Record<string, FraudMethod> = { [LIVE]: run(liveBook), [DRAFT]: run(draftBook) };
  for (const rule of liveRules) methods[`${LIVE}:${rule.id}`] = { of: LIVE, keep: (f) => f.id === rule.id };
  for (const rule of draftRules) {
    if (!liveByKey.has(`${rule.id}@${rule.version}`)) methods[`${DRAFT}:${rule.id}`] = { of: DRAFT, keep: (f) => f.id === rule.id };
  }
  return { methods, draftSet: draftRules.map((r) => r.rule) };
}
