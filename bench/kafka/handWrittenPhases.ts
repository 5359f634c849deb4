/**
 * The hand-written pipeline (handWritten.ts) through the Kafka benchmark's two measurements, each
 * in a group and a table of its own and checked as vigie's are: the backlog read as fast as it
 * goes, and a live topic at a fixed rate, timed as vigie's live phase is (producer timestamp →
 * the batch's INSERT committed), so that vigie's latency has a reference taken on the same
 * machine at the same moment.
 */
import { progress } from '../../src/cli/progress.ts';
import { createHandWrittenTable, startHandWritten } from './handWritten.ts';
import { Samples, type Summary } from './latencies.ts';
import { producePaced } from './pacedProducer.ts';
import { type Checked, type PhaseContext, check } from './phases.ts';
import { withTimeout } from './rawConsume.ts';
import { PRODUCED_AT, createTopic, waitForGroup } from './records.ts';

export interface HandWrittenResult extends Checked {
  /** Records / (first batch in hand → last batch's INSERT committed), as vigie's rate is timed. */
  readonly perSecond: number;
  readonly seconds: number;
  /** INSERT time over wall time (at most 1: one batch at a time). */
  readonly insertBusy: number;
  readonly meanRowsPerInsert: number;
  readonly meanInsertMs: number;
}

export async function handWrittenThroughput(context: PhaseContext, topic: string, table: string, expected: number): Promise<HandWrittenResult> {
  const groupId = `${topic}-hand-written`;
  await createHandWrittenTable(context.pool, table);
  const bar = progress('bench: hand-written kafkajs → pg pipeline', { total: expected });
  let inserted = 0;
  const pipeline = await startHandWritten(context.brokers, context.pool, { topic, groupId, table }, (messages) => bar.update((inserted += messages.length)));
  try {
    await withTimeout(pipeline.rowsReached(expected), 600_000, () => `the hand-written pipeline wrote ${pipeline.rows()} of ${expected} rows`);
    bar.finish();
  } finally {
    await pipeline.stop();
  }
  const { first, last, inserts, insertMs } = pipeline.stats();
  const seconds = (last - first) / 1000;
  return {
    perSecond: expected / seconds,
    seconds,
    insertBusy: insertMs / 1000 / seconds,
    meanRowsPerInsert: expected / Math.max(1, inserts),
    meanInsertMs: insertMs / Math.max(1, inserts),
    ...(await check(context, topic, groupId, expected, table)),
  };
}

export interface HandWrittenLive extends Checked {
  /** Producer timestamp → the row's batch INSERT committed. */
  readonly latency: Summary;
  readonly meanRowsPerInsert: number;
}

export async function handWrittenLive(context: PhaseContext, topic: string, table: string, rate: number, seconds: number, producerLingerMs: number): Promise<HandWrittenLive> {
  const groupId = `${topic}-hand-written`;
  await createTopic(context.brokers, topic, true);
  await createHandWrittenTable(context.pool, table);
  const latency = new Samples();
  const pipeline = await startHandWritten(context.brokers, context.pool, { topic, groupId, table }, (messages, now) => {
    for (const message of messages) latency.add(now - Number(message.headers?.[PRODUCED_AT]?.toString()));
  });
  let produced = 0;
  try {
    await waitForGroup(context.brokers, groupId);
    const bar = progress(`bench: hand-written, ${rate} records/s for ${seconds} s`, { total: Math.round(rate * seconds) });
    const paced = await producePaced({ brokers: context.brokers, topic, rate, seconds, lingerMs: producerLingerMs }, (sent) => bar.update(sent));
    bar.finish();
    produced = paced.sent;
    await withTimeout(pipeline.rowsReached(produced), 120_000, () => `the hand-written pipeline wrote ${pipeline.rows()} of ${produced} rows`);
  } finally {
    await pipeline.stop();
  }
  return {
    latency: latency.summary(),
    meanRowsPerInsert: produced / Math.max(1, pipeline.stats().inserts),
    ...(await check(context, topic, groupId, produced, table)),
  };
}
