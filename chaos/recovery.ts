/**
 * How long a fault took to heal: from the moment the harness ended it (the process restarted, the
 * server back, the poison produced) until what was produced before that moment is committed by
 * every group the fault touched, or, for the bridge, until readings reach Kafka again.
 *
 * The patience runs from the end of the LAST fault injected while this one was still healing, not
 * from its own: a consumer killed 2 s before the broker is killed for 33 s cannot see its group
 * rebalance until the broker is back, and was reported "not recovered" at load 13 (seed 1, quick)
 * when the broker's own recovery took 30 s of a 60 s patience that had started 35 s earlier.
 */
import { type GroupTopic, type OffsetReader, behind } from './offsets.ts';
import { sleep } from './producers.ts';

export type Progress = { readonly groups: readonly GroupTopic[] } | { readonly topicGrows: string };

/**
 * Milliseconds from `endedAt` to recovery, or null if it did not recover before `deadline()`, asked
 * again at each poll (it moves when a later fault ends: see above).
 */
export async function recovery(reader: OffsetReader, progress: Progress, endedAt: number, deadline: () => number): Promise<number | null> {
  if ('topicGrows' in progress) {
    const total = async () => {
      const ends = await reader.ends(progress.topicGrows);
      return ends && [...ends.values()].reduce((a, b) => a + b, 0);
    };
    let start: number | undefined;
    while (start === undefined && Date.now() < deadline()) start = (await total()) ?? (await sleep(500), undefined);
    while (Date.now() < deadline()) {
      const now = await total();
      if (start !== undefined && now !== undefined && now > start) return Date.now() - endedAt;
      await sleep(500);
    }
    return null;
  }
  let targets: Map<number, number>[] | undefined;
  while (Date.now() < deadline()) {
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

/**
 * The deadline every fault still healing shares: `patienceMs` after the end of the latest fault,
 * none while one is being injected (a broker down holds back the recovery of all the others).
 */
export function sharedPatience(patienceMs: number, now: () => number = Date.now) {
  let lastEnded = -Infinity;
  let injecting = 0;
  return {
    deadline: (): number => (injecting > 0 ? Infinity : lastEnded + patienceMs),
    /** Runs one fault's injection; its end (`endedAt`, or now if it failed) moves the deadline. */
    async inject<T extends { readonly endedAt: number }>(injection: () => Promise<T>): Promise<T> {
      injecting++;
      let ended = now();
      try {
        const injected = await injection();
        ended = injected.endedAt;
        return injected;
      } finally {
        lastEnded = Math.max(lastEnded, ended);
        injecting--;
      }
    },
  };
}
