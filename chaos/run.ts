/**
 * `npm run chaos [-- --seed N] [--quick] [--only kind,kind | --only none]`: one seeded chaos run;
 * prints its figures and exits 1 on any loss, double, wrong outcome, crash, stuck partition or
 * fault not recovered.
 */
import { parseArgs } from 'node:util';
import { removeWorkDir, runChaos } from './chaos.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { report, verdict } from './report.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`chaos: --seed: expected an integer, got ${JSON.stringify(values.seed)}`);
  process.exit(2);
}
const only = values.only === undefined ? undefined : values.only === 'none' ? [] : values.only.split(',');
const unknown = only?.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k)) ?? [];
if (unknown.length > 0) {
  console.error(`chaos: --only: unknown fault kind ${unknown.join(', ')}; the kinds are ${FAULT_KINDS.join(', ')}, or none`);
  process.exit(2);
}
const result = await runChaos({ seed, quick: values.quick, ...(only ? { only: only as FaultKind[] } : {}) });
console.log(report(result));
const { passed } = verdict(result);
if (passed) await removeWorkDir(result.workDir);
else console.log(`flows' logs kept in ${result.workDir}`);
process.exit(passed ? 0 : 1);
