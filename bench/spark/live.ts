/**
 * One engine on live traffic: started on a fresh topic, then fed by a paced producer (a process
 * of its own) at each rate in turn after a short warm-up, each record's latency taken from its
 * producer timestamp (Kafka's CreateTime) to the commit of its row (`pg_xact_commit_timestamp`).
 * Returns the raw material (what was produced, the rows seen, the phases), with keys prefixed by
 * `runId` so that several runs of an engine can be pooled into one set of percentiles.
 */
import { loadavg } from 'node:os';
import { progress } from '../../src/cli/progress.ts';
import type { Phase } from '../fraud/outcome.ts';
import { type Produced, readProduced } from '../fraud/transactions.ts';
import { producePaced } from '../kafka/pacedProducer.ts';
import { createTopic } from '../kafka/records.ts';
import { type Engine, type EngineContext, type EngineRun, ENGINE_LABELS, startEngine } from './engines.ts';
import { type TreeUsage, sampleTree } from './processTree.ts';

export const WARM_UP = 'warm-up';
const WARM_UP_PHASE = { label: WARM_UP, rate: 1_000, seconds: 5 };
/** A producer's batch lingers this long for more records, as a real one with linger.ms would. */
const LINGER_MS = 2;
/** How long the rows of the last records may take after the producer is done. */
export const DRAIN_MS = 60_000;

export interface LiveResult {
  readonly produced: Map<string, Produced>;
  readonly seen: Map<string, number[]>;
  readonly phases: Phase[];
  /** False when rows were still missing {@link DRAIN_MS} after the producer: it fell behind. */
  readonly caughtUp: boolean;
  readonly usage: TreeUsage;
  readonly exitCode: number | null;
  /** The 1-minute load average as it started and as it was stopped. */
  readonly load: { readonly start: number; readonly end: number };
}

export const rateLabel = (rate: number): string => `${rate.toLocaleString('en')}/s`;

export async function liveRun(engine: Engine, context: EngineContext, rates: readonly number[], seconds: number, runId: string): Promise<LiveResult> {
  const { brokers } = context.services;
  const loadAtStart = loadavg()[0]!;
  await createTopic(brokers, context.topic);
  const run = await startEngine(engine, context);
  const usage = sampleTree(run.process.pid);
  const phases: Phase[] = [];
  let produced = new Map<string, Produced>();
  let caughtUp = false;
  let exitCode: number | null;
  let treeUsage: TreeUsage;
  let loadAtEnd: number;
  try {
    await run.ready();
    let sent = 0;
    for (const [i, { label, rate, seconds: s }] of [WARM_UP_PHASE, ...rates.map((rate) => ({ label: rateLabel(rate), rate, seconds }))].entries()) {
      // Measured phases start on an engine that has done the warm-up's work: a JVM that has
      // compiled its code and run its first micro-batches, a node process past its start-up.
      if (i === 1) await drained(run, brokers, context.topic, sent);
      const bar = progress(`bench: live, ${ENGINE_LABELS[engine]}, ${label} at ${rateLabel(rate)} for ${s} s`, { total: Math.round(rate * s) });
      const from = Date.now();
      const paced = await Promise.race([
        producePaced({ brokers, topic: context.topic, rate, seconds: s, lingerMs: LINGER_MS, payload: { kind: 'seed-transactions', seed: 10 + i } }, (n) => bar.update(n)),
        run.process.died,
      ]);
      bar.update(paced.sent);
      bar.finish();
      phases.push({ label, from, to: Date.now() });
      sent += paced.sent;
    }
    ({ produced, caughtUp } = await drained(run, brokers, context.topic, sent));
  } finally {
    loadAtEnd = loadavg()[0]!;
    exitCode = await run.stop();
    treeUsage = usage.stop();
  }
  try {
    const seen = await run.rows();
    const prefixed = <V>(map: Map<string, V>): Map<string, V> => new Map([...map].map(([key, value]) => [`${runId}:${key}`, value]));
    return { produced: prefixed(produced), seen: prefixed(seen), phases, caughtUp, usage: treeUsage, exitCode, load: { start: loadAtStart, end: loadAtEnd } };
  } finally {
    await run.cleanup();
  }
}

/** The `sent` records read back, once the engine has done their work or after {@link DRAIN_MS}. */
async function drained(run: EngineRun, brokers: string[], topic: string, sent: number): Promise<{ produced: Map<string, Produced>; caughtUp: boolean }> {
  const produced = await readProduced(brokers, topic, sent);
  const suspicious = [...produced.values()].filter((p) => p.suspicious).length;
  const deadline = Date.now() + DRAIN_MS;
  while (!(await Promise.race([run.done(sent, suspicious), run.process.died]))) {
    if (Date.now() > deadline) {
      console.error(`bench: ${DRAIN_MS / 1000} s after the producer, the engine has still not written every row of ${topic}; going on`);
      return { produced, caughtUp: false };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { produced, caughtUp: true };
}
