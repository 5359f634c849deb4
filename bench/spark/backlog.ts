/**
 * One engine through the whole backlog: the records are in the topic before it starts, and the
 * clock runs from its start (a JVM's start-up included: a restarted job pays it too) to the
 * commit of the last row it wrote. An engine still busy after `timeoutMs` is stopped; its rate is
 * then the records up to the newest one it wrote a row for, over the same clock.
 */
import { progress } from '../../src/cli/progress.ts';
import { outcome } from '../fraud/outcome.ts';
import type { Produced } from '../fraud/transactions.ts';
import { type Engine, type EngineContext, ENGINE_LABELS, startEngine } from './engines.ts';
import { type TreeUsage, sampleTree } from './processTree.ts';

export interface BacklogResult {
  readonly recordsPerSecond: number;
  /** False when stopped at the time limit. */
  readonly complete: boolean;
  readonly seconds: number;
  /** Among the records up to the newest with a row (all of them when complete). */
  readonly missing: number;
  readonly doubled: number;
  /** Rows of records the seed's rule would not flag (vigie's other rules). */
  readonly unexpected: number;
  readonly usage: TreeUsage;
  /** How it exited on Ctrl-C. */
  readonly exitCode: number | null;
}

export async function backlogRun(engine: Engine, context: EngineContext, produced: ReadonlyMap<string, Produced>, timeoutMs: number): Promise<BacklogResult> {
  const records = produced.size;
  const suspicious = [...produced.values()].filter((p) => p.suspicious).length;
  const run = await startEngine(engine, context);
  const usage = sampleTree(run.process.pid);
  const bar = progress(`bench: backlog, ${ENGINE_LABELS[engine]}, rows above the limit`, { total: suspicious });
  let complete = false;
  let exitCode: number | null;
  let treeUsage: TreeUsage;
  try {
    await run.ready();
    const deadline = run.startedAt + timeoutMs;
    // Checking costs the database a count over the engine's table, beside the engine: once a
    // second, and the bar's count every fifth time. The rate comes from the rows' commit times,
    // not from when a check saw them.
    for (let polls = 0; !(complete = await Promise.race([run.done(records, suspicious), run.process.died])) && Date.now() < deadline; polls++) {
      if (polls % 5 === 0) bar.update(await run.suspiciousRows());
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    bar.update(await run.suspiciousRows());
  } finally {
    bar.finish();
    exitCode = await run.stop();
    treeUsage = usage.stop();
  }
  try {
    const rows = await run.rows();
    let [last, newest] = [0, -1];
    for (const [key, times] of rows) {
      last = Math.max(last, ...times);
      newest = Math.max(newest, Number(key.split('/')[1]));
    }
    const reached = complete ? produced : new Map([...produced].filter(([key]) => Number(key.split('/')[1]) <= newest));
    const { missing, doubled, unexpected } = outcome(reached, rows, []);
    const seconds = (last - run.startedAt) / 1000;
    return { recordsPerSecond: Math.round(reached.size / seconds), complete, seconds, missing, doubled, unexpected, usage: treeUsage, exitCode };
  } finally {
    await run.cleanup();
  }
}
