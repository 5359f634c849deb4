/**
 * The small chaos run (`npm run chaos -- --quick`): fault kinds of issue 10 once each, on a broker,
 * a PostgreSQL and a serial cable of its own, with vigie's flows and bridge as separate processes;
 * then every record produced is audited. It fails, with the run's report as the message, on any
 * loss, double, wrong outcome, crash, stuck partition or fault not recovered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ChaosOptions, removeWorkDir, runChaos } from '../../chaos/chaos.ts';
import { FAULT_KINDS } from '../../chaos/faults.ts';
import { report, verdict } from '../../chaos/report.ts';

const workDirs: string[] = [];
afterAll(async () => {
  for (const dir of workDirs) await removeWorkDir(dir);
});

async function expectClean(only?: ChaosOptions['only']): Promise<void> {
  const result = await runChaos({ seed: 1, quick: true, log: () => {}, ...(only ? { only } : {}) });
  workDirs.push(result.workDir);
  expect(verdict(result).problems, report(result)).toEqual([]);
}

describe('npm run chaos --quick', () => {
  it('survives every fault kind but poison transactions: kills, Ctrl-C, broker and database outages, the cable pulled, bad serial lines', async () => {
    await expectClean(FAULT_KINDS.filter((k) => k !== 'poison-transactions'));
  }, 600_000);

  // Guarded while main fails it: poison transactions (issue 10, finding 2) crash `detect
  // transactions` into a crash loop, so rows are lost and partitions stuck. This assertion is the
  // one that fails, with the run's report as its message. VIGIE_CHAOS_TEST=1 runs it.
  it.runIf(process.env['VIGIE_CHAOS_TEST'] === '1')('survives every fault kind, poison transactions included', async () => {
    await expectClean();
  }, 900_000);
});
