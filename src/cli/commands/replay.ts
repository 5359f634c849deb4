/**
 * `vigie replay paysim FILE`: PaySim's labelled transactions through the same rules the flows
 * run, scored against `isFraud`, beside the prototype's fixed threshold on the same rows.
 */
import type { Command } from 'commander';
import { pipe } from 'rxjs';
import { fromPaysimCsv } from '../../adapters/paysim.ts';
import { type Evaluation, evaluateRules } from '../../evaluation/evaluateRules.ts';
import { amountAbove } from '../../operators/rules/amountAbove.ts';
import { judge } from '../../operators/rules/judged.ts';
import { judgeRules } from '../../operators/rules/index.ts';
import { fail } from '../fail.ts';
import { progress } from '../progress.ts';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay labelled data through the rules and score them')
    .command('paysim <file>')
    .description("PaySim CSV (step,type,amount,nameOrig,...,isFraud): precision, recall and F1 of vigie's rules and of the prototype's threshold")
    .action(async (file: string) => {
      try {
        const evaluate = async (name: string, rules: Parameters<typeof evaluateRules>[1]): Promise<[string, Evaluation]> => {
          const bar = progress(`replay ${name}`);
          const result = await evaluateRules(fromPaysimCsv(file), rules, (n) => bar.update(n));
          bar.update(result.tp + result.fp + result.fn + result.tn);
          bar.finish();
          return [name, result];
        };
        const rows: [string, Evaluation][] = [
          await evaluate('prototype: amount > 10000 XAF', pipe(judge(), amountAbove())),
          await evaluate("vigie's default rules", judgeRules()),
          // the fixed amount says little on data of another scale: the other rules alone
          await evaluate("vigie's rules without the fixed amount", judgeRules({ amount: { limits: {} } })),
        ];
        console.log(formatTable(rows));
      } catch (error) {
        fail(error);
      }
    });
}

export function formatTable(rows: readonly [string, Evaluation][]): string {
  const lines = ['| rules | precision | recall | F1 | TP | FP | FN | TN | reasons fired |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const [name, e] of rows) {
    const reasons = Object.entries(e.reasons).map(([r, n]) => `${r} ${n}`).join(', ');
    lines.push(`| ${name} | ${e.precision.toFixed(4)} | ${e.recall.toFixed(4)} | ${e.f1.toFixed(4)} | ${e.tp} | ${e.fp} | ${e.fn} | ${e.tn} | ${reasons} |`);
  }
  return lines.join('\n');
}
