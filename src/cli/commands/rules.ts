/**
 * `vigie rules`: the fraud rules of the rule language (src/rules/). `vigie rules test` tries a
 * draft on labelled history (./rulesTest.ts).
 */
import type { Command } from 'commander';
import { registerRulesTest } from './rulesTest.ts';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('the fraud rules: try a draft on labelled history');
  registerRulesTest(rules);
}
