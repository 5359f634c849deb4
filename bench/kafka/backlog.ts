/**
 * The backlog half of the Kafka benchmark: vigie's sensor flow against the hand-written
 * kafkajs → pg pipeline (handWritten.ts) on the same records, in rounds that flip which goes
 * first, so that neither always meets the warmer page cache, the fuller table or the quieter
 * neighbour. Each round produces its own backlog topic: vigie's rows go to `sensor_detections`
 * keyed by their source coordinates, and a second run on the same topic would write nothing.
 * Each run has a fresh group, the hand-written one a fresh table; no rate is reported before its
 * rows are counted and its committed offset read back.
 */
import { loadavg } from 'node:os';
import { round } from './latencies.ts';
import { handWrittenThroughput } from './handWrittenPhases.ts';
import { type PhaseContext, maxThroughput } from './phases.ts';
import { createTopic, produceBacklog } from './records.ts';

export interface BacklogComparison {
  readonly figures: Record<string, number | string>;
  readonly failures: string[];
}

interface Run {
  readonly perSecond: number;
  readonly seconds: number;
  readonly meanRowsPerInsert: number;
  readonly meanInsertMs: number;
  readonly insertBusy: number;
  readonly lost?: string;
}

const fmt = (n: number): string => n.toLocaleString('en');
const load = (): string => loadavg()[0]!.toFixed(1);

/**
 * `rounds` rounds of `records` records each; `minShare`: the fraction of the hand-written
 * pipeline's rate vigie must reach, over all rounds (records / seconds summed on each side).
 * `created` is told each topic and table made, for the caller to clean up.
 */
export async function compareOnBacklog(
  context: PhaseContext,
  options: { prefix: string; records: number; rounds: number; minShare: number },
  created: { topics: string[]; tables: string[] },
): Promise<BacklogComparison> {
  const { prefix, records, rounds, minShare } = options;
  const figures: Record<string, number | string> = { 'backlog (records, each round)': records };
  const failures: string[] = [];
  const hand: Run[] = [];
  const vigie: Run[] = [];
  for (let r = 1; r <= rounds; r++) {
    const topic = `${prefix}-backlog-${r}`;
    const table = `hand_written_${prefix.slice(-6)}_${r}`;
    created.topics.push(topic);
    created.tables.push(table);
    await createTopic(context.brokers, topic);
    await produceBacklog(context.brokers, topic, records);
    const loadBefore = load();
    const runHand = async (): Promise<void> => void hand.push(await handWrittenThroughput(context, topic, table, records));
    const runVigie = async (): Promise<void> => void vigie.push(await maxThroughput(context, topic, records));
    const handFirst = r % 2 === 1;
    for (const run of handFirst ? [runHand, runVigie] : [runVigie, runHand]) await run();
    const [h, v] = [hand.at(-1)!, vigie.at(-1)!];
    for (const lost of [h.lost, v.lost]) if (lost) failures.push(`records lost on the backlog (${lost}): no throughput reported`);
    figures[`round ${r} (${handFirst ? 'hand-written first' : 'vigie first'}): hand-written / vigie, records/s, load average`] =
      `${fmt(Math.round(h.perSecond))} / ${fmt(Math.round(v.perSecond))} (${Math.round((v.perSecond / h.perSecond) * 100)} %), load ${loadBefore} → ${load()}`;
  }
  if (failures.length > 0) return { figures, failures };
  const rate = (runs: Run[]): number => (records * runs.length) / runs.reduce((s, run) => s + run.seconds, 0);
  const share = rate(vigie) / rate(hand);
  figures['hand-written kafkajs → DBSCAN → one INSERT a batch → commit (records/s, all rounds)'] = Math.round(rate(hand));
  figures['vigie, Kafka → DBSCAN → PostgreSQL, committed (records/s, all rounds)'] = Math.round(rate(vigie));
  figures['vigie / hand-written (%)'] = Math.round(share * 100);
  figures['backlog: where the time goes, hand-written'] = inserting(hand);
  figures['backlog: where the time goes, vigie'] = inserting(vigie);
  if (share < minShare) {
    failures.push(
      `vigie sustains ${fmt(Math.round(rate(vigie)))} records/s on the backlog, ${Math.round(share * 100)}% of the hand-written pipeline's ${fmt(Math.round(rate(hand)))}, not ${minShare * 100}%`,
    );
  }
  return { figures, failures };
}

/** How busy the INSERTs kept PostgreSQL, and at what rate it took rows while they ran (means over the runs). */
function inserting(runs: Run[]): string {
  const mean = (f: (run: Run) => number): number => runs.reduce((s, run) => s + f(run), 0) / runs.length;
  const rows = mean((r) => r.meanRowsPerInsert);
  const ms = mean((r) => r.meanInsertMs);
  return (
    `INSERTs running ${round(mean((r) => r.insertBusy), 2)} at a time on average, ${fmt(Math.round(rows))} rows in ${round(ms)} ms each ` +
    `(${fmt(Math.round((rows * 1000) / ms))} rows/s while inserting)`
  );
}
