/**
 * One engine through the whole backlog: the records are in the topic before it starts, and two
 * clocks run to the commit of the last row it wrote (bench/spark/rates.ts): from its launch (a
 * JVM's start-up included: a restarted job pays it too) and from its query's start. An engine
 * still busy after `timeoutMs` is stopped; its rates are then the records up to the newest one it
 * wrote a row for, over the same clocks. The load average is read as it starts and as it ends.
 */
import { progress } from '../../src/cli/progress.ts';
import { loadavg } from 'node:os';
import { outcome } from '../fraud/outcome.ts';
import type { Produced } from '../fraud/transactions.ts';
import { type Engine, type EngineContext, ENGINE_LABELS, startEngine } from './engines.ts';
import { type TreeUsage, sampleTree } from './processTree.ts';
import { type BacklogRates, backlogRates } from './rates.ts';

export interface BacklogResult {
  /** The round it ran in, from 0: its ratio to Spark is taken against Spark's run of the same round. */
  readonly round: number;
  readonly rates: BacklogRates;
  /** False when stopped at the time limit. */
  readonly complete: boolean;
  /** Launch → last row, and query start → last row. */
  readonly seconds: { readonly fromLaunch: number; readonly fromQueryStart: number };
  /** The 1-minute load average as it started and as it was stopped. */
  readonly load: { readonly start: number; readonly end: number };
  /** Among the records up to the newest with a row (all of them when complete). */
  readonly missing: number;
  readonly doubled: number;
  /** Rows of records the seed's rule would not flag (vigie's other rules). */
  readonly unexpected: number;
  readonly usage: TreeUsage;
  /** How it exited on Ctrl-C. */
  readonly exitCode: number | null;
}

export async function backlogRun(engine: Engine, context: EngineContext, produced: ReadonlyMap<string, Produced>, timeoutMs: number, round: number): Promise<BacklogResult> {
  const records = produced.size;
  const loadAtStart = loadavg()[0]!;
  const suspicious = [...produced.values()].filter((p) => p.suspicious).length;
  const run = await startEngine(engine, context);
  const usage = sampleTree(run.process.pid);
  const bar = progress(`bench: backlog, ${ENGINE_LABELS[engine]}, rows above the limit`, { total: suspicious });
  let complete = false;
  let exitCode: number | null;
  let treeUsage: TreeUsage;
  let queryStartedAt = Number.NaN;
  let loadAtEnd: number;
  try {
    await run.ready();
    queryStartedAt = Date.now();
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
    loadAtEnd = loadavg()[0]!;
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
    const rates = backlogRates({ records: reached.size, launchedAt: run.startedAt, queryStartedAt, lastCommitAt: last });
    // no row at all (stopped first): no last commit to time, not an epoch-old one
    const seconds = rows.size === 0 ? { fromLaunch: Number.NaN, fromQueryStart: Number.NaN } : { fromLaunch: (last - run.startedAt) / 1000, fromQueryStart: (last - queryStartedAt) / 1000 };
    return { round, rates, complete, seconds, load: { start: loadAtStart, end: loadAtEnd }, missing, doubled, unexpected, usage: treeUsage, exitCode };
  } finally {
    await run.cleanup();
  }
}
