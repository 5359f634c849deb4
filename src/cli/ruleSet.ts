/**
 * The rule set a `vigie detect transactions` starts from, and `vigie rules list` shows before the
 * control topic's changes: a rule set file (`--rules-file`), or the default rules
 * (rules/default.json) with `--rules` and `--amount-limit` written into it, as before rules were data.
 */
import { RULE_NAMES, type RuleName, defaultRuleSet } from '../rules/defaultRules.ts';
import { readRuleFile } from '../rules/ruleFile.ts';
import { RuleBook } from '../rules/ruleBook.ts';

export interface StartingRules {
  readonly rulesFile?: string | undefined;
  readonly rules?: readonly RuleName[];
  readonly amountLimit?: number;
}

/** A book of the starting rules, each from the start of time unless it states its `from`; FILE_INVALID for a bad file. */
export function startingBook({ rulesFile, rules, amountLimit }: StartingRules): RuleBook {
  if (rulesFile !== undefined) return RuleBook.of(readRuleFile(rulesFile), `file ${rulesFile}`);
  return RuleBook.of(defaultRuleSet(amountLimit === undefined ? {} : { amount: { limits: { XAF: amountLimit } } }, rules ?? RULE_NAMES), 'file rules/default.json');
}
