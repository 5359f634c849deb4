/**
 * The small chaos run (`npm run chaos -- --quick`): each fault kind once (issue 10's, and issue
 * 19's generated `fuzz` batch), on a broker, a PostgreSQL and a serial cable of its own, with
 * vigie's flows and bridge as separate processes;
 * then every record produced is audited. It fails, with the run's report as the message, on any
 * loss, double, wrong outcome, crash, stuck partition or fault not recovered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeWorkDir, runChaos } from '../../chaos/chaos.ts';
import { report, verdict } from '../../chaos/report.ts';

let workDir: string | undefined;
afterAll(async () => {
  if (workDir) await removeWorkDir(workDir);
});

describe('npm run chaos --quick', () => {
  it('loses nothing, doubles nothing, leaves nothing stuck or dead, with every fault kind once', async () => {
    const result = await runChaos({ seed: 1, quick: true, log: () => {} });
    workDir = result.workDir;
    expect(verdict(result).problems, report(result)).toEqual([]);
  }, 900_000);
});
