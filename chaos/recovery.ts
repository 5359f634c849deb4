/**
 * How long a fault took to heal: from the moment the harness ended it (the process restarted, the
 * server back, the poison produced) until what was produced before that moment is committed by
 * every group the fault touched, or, for the bridge, until readings reach Kafka again.
 */
import { type GroupTopic, type OffsetReader, behind } from './offsets.ts';
import { sleep } from './producers.ts';

export type Progress = { readonly groups: readonly GroupTopic[] } | { readonly topicGrows: string };

/** Milliseconds from `endedAt` to recovery, or null if it did not recover within `timeoutMs`. */
export async function recovery(reader: OffsetReader, progress: Progress, endedAt: number, timeoutMs: number): Promise<number | null> {
  const deadline = endedAt + timeoutMs;
  if ('topicGrows' in progress) {
    const total = async () => {
      const ends = await reader.ends(progress.topicGrows);
      return ends && [...ends.values()].reduce((a, b) => a + b, 0);
    };
    let start: number | undefined;
    while (start === undefined && Date.now() < deadline) start = (await total()) ?? (await sleep(500), undefined);
    while (Date.now() < deadline) {
      const now = await total();
      if (start !== undefined && now !== undefined && now > start) return Date.now() - endedAt;
      await sleep(500);
    }
    return null;
  }
  let targets: Map<number, number>[] | undefined;
  while (Date.now() < deadline) {
    const all = await Promise.all(progress.groups.map((g) => reader.positions(g)));
    if (all.every((p) => p !== undefined)) {
      targets ??= all.map((p) => new Map([...p!].map(([partition, { end }]) => [partition, end])));
      const done = all.every((p, i) => behind(new Map([...p!].map(([k, v]) => [k, { committed: v.committed, end: targets![i]!.get(k) ?? 0 }]))).length === 0);
      if (done) return Date.now() - endedAt;
    }
    await sleep(500);
  }
  return null;
}
