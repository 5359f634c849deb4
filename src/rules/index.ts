// The fraud rule language (`vigie/rules`): its schema, its compiler, the rule book of versions
// in force by event time (rulesInForceAt lists them at any one), and the default rule set. The
// operators that run it are in `vigie/operators` (judgeByRules, judgeStateless, ruleFeatures).
export { type Checked, Filter, Rule, RuleSetFile, Value, checkRule, checkRuleSet, parseDuration } from './schema.ts';
export { type CompiledRule, DEFAULT_TTL_MS, MAX_TTL_MS, compileRule, getter } from './compile.ts';
export { RuleBook, type RuleChange, type RuleChangeOutcome, type RuleVersion, type RulesInForce, indexRules } from './ruleBook.ts';
export { type VersionInForce, rulesInForceAt } from './rulesInForceAt.ts';
export { DEFAULT_RULES_FILE, RULE_IDS, defaultRuleFile, defaultRuleSet } from './defaultRules.ts';
export { distanceKm, formatDuration, robustZ, speedKmh } from './measures.ts';
export { FRAUD_LABELS, isLabel } from './labels.ts';
