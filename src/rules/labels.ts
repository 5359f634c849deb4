/**
 * Labels in the rule language: a label event (a record of the stream whose transaction has a
 * `label`, merged with the transactions in event time) tells that one transaction of the key was
 * a fraud (or, for `verdict-genuine`, was not), known from the label's event time on. The value
 * `fraudLabels` (./schema.ts) reads them behind a delay, as the Handbook's terminal risk does:
 * at a transaction of time t, over the key's transactions of `[t − delay − window, t − delay]`,
 * those labelled fraud by labels that came before t (in event time).
 *
 * The state is plain data, never changed in place (a revision replays from an older state):
 * `[txs, frauds]`, each a list of `[time, transaction_id]` in event-time order, kept for
 * `delay + window`.
 */
import type { LabelKind, Transaction } from '../types.ts';
import type { Node } from './valueNodes.ts';

const DAY_MS = 86_400_000;

/** The record is a label event, not a transaction. */
export const isLabel = (tx: Transaction): boolean => tx.label !== undefined;

/** The labels that say fraud; `verdict-genuine` clears an earlier one. */
export const FRAUD_LABELS: ReadonlySet<LabelKind> = new Set<LabelKind>(['fraud', 'chargeback', 'verdict-fraud']);

type Entry = readonly [time: number, id: number];
type LabelsState = readonly [txs: readonly Entry[], frauds: readonly Entry[]];

export type FraudLabelsAggregate = 'count' | 'rate' | 'daysSinceFirst' | 'daysSinceLast';

export function fraudLabelsNode(aggregate: FraudLabelsAggregate, windowMs: number, delayMs: number): Node {
  const keepMs = windowMs + delayMs;
  return {
    init: (): LabelsState => [[], []],
    step: (state, tx, time) => {
      const [txs, frauds] = state as LabelsState;
      const oldest = time - keepMs;
      const keptTxs = dropBefore(txs, oldest);
      const keptFrauds = dropBefore(frauds, oldest);
      if (tx.label !== undefined) {
        const labelled = find(keptTxs, tx.transaction_id);
        if (labelled === undefined) return { state: keptTxs === txs && keptFrauds === frauds ? state : [keptTxs, keptFrauds], value: undefined };
        const without = keptFrauds.filter((e) => e[1] !== tx.transaction_id);
        const next = FRAUD_LABELS.has(tx.label) ? insertByTime(without, labelled) : without;
        return { state: [keptTxs, next], value: undefined };
      }
      const hi = time - delayMs;
      const lo = hi - windowMs;
      let count = 0;
      let first: number | undefined;
      let last: number | undefined;
      for (const [t] of keptFrauds) {
        if (t < lo || t > hi) continue;
        count++;
        first ??= t;
        last = t;
      }
      let value: number | undefined;
      if (aggregate === 'count') value = count;
      else if (aggregate === 'rate') {
        let n = 0;
        for (const [t] of keptTxs) if (t >= lo && t <= hi) n++;
        value = n === 0 ? undefined : count / n;
      } else if (aggregate === 'daysSinceFirst') value = first === undefined ? undefined : (time - first) / DAY_MS;
      else value = last === undefined ? undefined : (time - last) / DAY_MS;
      return { state: [[...keptTxs, [time, tx.transaction_id]], keptFrauds], value };
    },
  };
}

/** Without the entries before `oldest` (the same list when none goes). */
function dropBefore(entries: readonly Entry[], oldest: number): readonly Entry[] {
  let drop = 0;
  while (drop < entries.length && entries[drop]![0] < oldest) drop++;
  return drop === 0 ? entries : entries.slice(drop);
}

/** The newest entry of transaction `id`, if the key still holds it. */
function find(entries: readonly Entry[], id: number): Entry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]![1] === id) return entries[i];
  return undefined;
}

function insertByTime(entries: readonly Entry[], entry: Entry): readonly Entry[] {
  let i = entries.length;
  while (i > 0 && entries[i - 1]![0] > entry[0]) i--;
  return [...entries.slice(0, i), entry, ...entries.slice(i)];
}
