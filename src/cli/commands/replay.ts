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

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay labelled data through the rules and score them')
    .command('paysim <file>')
    .description("PaySim CSV (step,type,amount,nameOrig,...,isFraud): precision, recall and F1 of vigie's rules and of the prototype's threshold")
    .action(async (file: string) => {
      try {
        const progress = (n: number): boolean => process.stderr.write(`replay: ${n} transactions judged\n`);
        const rows: [string, Evaluation][] = [
          ['prototype: amount > 10000 XAF', await evaluateRules(fromPaysimCsv(file), pipe(judge(), amountAbove()), progress)],
          ["vigie's default rules", await evaluateRules(fromPaysimCsv(file), judgeRules(), progress)],
          // the fixed amount says little on data of another scale: the other rules alone
          ["vigie's rules without the fixed amount", await evaluateRules(fromPaysimCsv(file), judgeRules({ amount: { limits: {} } }), progress)],
        ];
        process.stderr.write('\n');
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
