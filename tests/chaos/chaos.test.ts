/**
 * The small chaos run (`npm run chaos -- --quick`): each fault kind of issue 10 once, on a broker,
 * a PostgreSQL and a serial cable of its own, with vigie's flows and bridge as separate processes;
 * then every record produced is audited. It fails, with the figures, on any loss, double, wrong
 * outcome, crash, stuck partition or fault not recovered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeWorkDir, runChaos } from '../../chaos/chaos.ts';
import { report, verdict } from '../../chaos/report.ts';

let workDir: string | undefined;
afterAll(async () => {
  if (workDir) await removeWorkDir(workDir);
});

// Guarded while main fails it (issue 10: poison crashes `detect transactions`, a broker outage
// kills the flows and the bridge, a bad serial line kills the bridge): the assertion below is the
// one that fails, with the run's report as its message. VIGIE_CHAOS_TEST=1 runs it.
describe.runIf(process.env['VIGIE_CHAOS_TEST'] === '1')('npm run chaos --quick', () => {
  it('loses nothing, doubles nothing, leaves nothing stuck or dead, with every fault kind once', async () => {
    const result = await runChaos({ seed: 1, quick: true, log: () => {} });
    workDir = result.workDir;
    const { problems } = verdict(result);
    expect(problems, report(result)).toEqual([]);
  }, 900_000);
});
