/**
 * `npm run chaos [-- --seed N] [--quick]`: one seeded chaos run; prints its figures and exits 1
 * on any loss, double, wrong outcome, crash, stuck partition or fault not recovered.
 */
import { parseArgs } from 'node:util';
import { removeWorkDir, runChaos } from './chaos.ts';
import { report, verdict } from './report.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false } } });
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`chaos: --seed: expected an integer, got ${JSON.stringify(values.seed)}`);
  process.exit(2);
}
const result = await runChaos({ seed, quick: values.quick });
console.log(report(result));
const { passed } = verdict(result);
if (passed) await removeWorkDir(result.workDir);
else console.log(`flows' logs kept in ${result.workDir}`);
process.exit(passed ? 0 : 1);
