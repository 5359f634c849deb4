// The rules' public surface: every rule, the operator that decides on arrival, and the rule set.
export { amountAbove } from './amountAbove.ts';
export { amountZScore, amountZScoreRule } from './amountZScore.ts';
export { balanceDrain } from './balanceDrain.ts';
export { RulesStore, decideOnArrival } from './decideOnArrival.ts';
export { frequency, frequencyRule } from './frequency.ts';
export { judge } from './judged.ts';
export { location, locationRule } from './location.ts';
export { suspiciousOnly } from './suspiciousOnly.ts';
export { RULE_NAMES, defaultRuleBook, defaultRules, judgeRules } from './judgeRules.ts';
export { judgeByRules } from './judgeByRules.ts';
export { judgeStateless } from './judgeStateless.ts';
export { type FeatureRow, ruleFeatures } from './ruleFeatures.ts';
export { ENGINE_NAME, type EngineRule, type EngineState, rulesEngine } from './ruleEngine.ts';
export type { DefaultRulesOptions, RuleName } from './judgeRules.ts';
export type { AccountRule, Features, Flag } from './accountRule.ts';
export type { AccountState, DecideOnArrivalOptions, HeldTransaction, RulesRestored, RulesState } from './decideOnArrival.ts';
export { eventTime } from './eventTime.ts';
export type { Judged } from './judged.ts';
