/**
 * `vigie evaluate fraud`'s memory over a month of the same customers: it must follow the
 * customers (the rules' per-account state, the day's cards) and the distinct scores, not the rows.
 *
 * The simulated bank's cameroon profile, 2 000 customers for 31 days (seed 1), straight from the
 * simulator into `evaluateFraud` with the command's six methods (each rule alone and the set),
 * in-process; the heap after a full GC (node --expose-gc) at the end of days 1, 15 and 30 (the
 * last day's end is the run's: its state goes), and the rows per second.
 * Run: `npm run bench -- evaluate-fraud`.
 */
import { tap } from 'rxjs';
import { simulatedBank } from '../src/adapters/simulatedBank/simulateBank.ts';
import { progress } from '../src/cli/progress.ts';
import { evaluateFraud } from '../src/evaluation/evaluateFraud.ts';
import { RULE_NAMES, judgeRules } from '../src/operators/rules/index.ts';
import { heapMb } from './millionAccounts.ts';
import type { Bench } from './section.ts';

const DAYS = 31;
const CUSTOMERS = 2_000;
/** Growth allowed from day 15 to day 30, the customers unchanged: noise of the GC, not a leak. */
const TARGET_GROWTH_MB = 8;
/** The days after which the heap is measured: the last is measured before the run ends and lets go of its state. */
const MEASURED = [1, 15, DAYS - 1];

async function evaluateMonth(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const methods = Object.fromEntries([...RULE_NAMES.map((rule) => [rule, judgeRules({ rules: [rule] })]), ['set', judgeRules()]]);
  const bar = progress(`bench: evaluate fraud, ${DAYS} days of ${CUSTOMERS} customers`, { total: DAYS });
  let day = 0;
  let lastDay: string | undefined;
  const started = performance.now();
  const labelled$ = simulatedBank({ profile: 'cameroon', seed: 1, customers: CUSTOMERS, days: DAYS }).pipe(
    tap(({ record }) => {
      const today = record.transaction.timestamp.slice(0, 10);
      if (today === lastDay) return;
      if (lastDay !== undefined && MEASURED.includes(day)) figures[`heap after day ${day}, after GC (MB)`] = Math.round(heapMb());
      lastDay = today;
      bar.update(day++);
    }),
  );
  const result = await evaluateFraud(labelled$, methods);
  bar.finish();
  return { customers: CUSTOMERS, rows: result.rows, frauds: result.frauds, 'rows/s (six methods)': Math.round(result.rows / ((performance.now() - started) / 1000)), ...figures };
}

export const evaluateFraudBench: Bench = {
  name: 'evaluate-fraud',
  async run() {
    const figures = await evaluateMonth();
    const growth = figures[`heap after day ${DAYS - 1}, after GC (MB)`]! - figures['heap after day 15, after GC (MB)']!;
    const failures = growth > TARGET_GROWTH_MB ? [`evaluate fraud's heap grew ${growth} MB from day 15 to day ${DAYS - 1} with the customers unchanged (target: at most ${TARGET_GROWTH_MB})`] : [];
    return {
      title: 'vigie evaluate fraud, a month of the same 2 000 customers',
      method: `The cameroon profile (seed 1), ${CUSTOMERS} customers for ${DAYS} days, from the simulator into evaluateFraud with each rule alone and the set, in-process; heap after a full GC at the end of days 1, 15 and ${DAYS - 1}.`,
      figures,
      failures,
    };
  },
};
