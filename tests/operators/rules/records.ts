/** Builders shared by the rules' specs (not a spec itself). */
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { RulesStore } from '../../../src/operators/rules/rulesStore.ts';
import { seededRandom } from '../../../src/random.ts';
import type { StateStore } from '../../../src/state/stateStore.ts';
import type { Transaction, TransactionRecord } from '../../../src/types.ts';

const BASE = Date.UTC(2026, 10, 22, 10, 0, 0);

/** The timestamp `seconds` after 2026-11-22 10:00:00. */
export function at(seconds: number): string {
  return new Date(BASE + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A record at offset `offset`, `seconds` after 10:00:00, of account `A` unless told. */
export function tx(offset: number, seconds: number, fields: Partial<Transaction> = {}): TransactionRecord {
  return {
    transaction: {
      id: 1000,
      transaction_id: 10_000 + offset,
      amount: 100,
      currency: 'XAF',
      timestamp: at(seconds),
      account: 'A',
      ...fields,
    },
    ref: { source: 'test', partition: 0, offset },
  };
}

/** The judgement of `record`: none by default. */
export function judged(record: TransactionRecord, reasons: string[] = [], score = 0, late = false): Judged {
  return { record, reasons, score, late };
}

/** Each record's last decision (its latest revision), by offset: what a table of revisions ends with. */
export function finalDecisions(output: readonly Judged[]): Map<string, { reasons: readonly string[]; score: number }> {
  const last = new Map<string, { reasons: readonly string[]; score: number }>();
  for (const j of output) last.set(`${j.record.ref.partition}/${j.record.ref.offset}`, { reasons: j.reasons, score: j.score });
  return new Map([...last].sort(([a], [b]) => a.localeCompare(b)));
}

const PLACES = [
  { lat: 4.05, lon: 9.7, country: 'CM' },
  { lat: 3.87, lon: 11.52, country: 'CM' },
  { lat: 48.86, lon: 2.35, country: 'FR' },
  { lat: 6.52, lon: 3.38, country: 'NG' },
];

/** Hundreds of transactions of a few accounts, one every 10 s or so, some of them suspicious. */
export function generate(count: number, seed: number): TransactionRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    tx(i, i * 10 + random.int(0, 9), {
      account: `A${random.int(0, 7)}`,
      amount: random.next() < 0.05 ? random.int(5000, 20_000) : random.int(50, 500),
      balanceBefore: random.int(100, 5000),
      type: random.next() < 0.2 ? 'CASH_IN' : 'TRANSFER',
      location: PLACES[random.next() < 0.9 ? 0 : random.int(0, 3)],
    }),
  );
}

/** `input` in an order of arrival within `lateness` of each event time, offsets renumbered in that order (as in a partition). */
export function arrivalOrder(input: readonly TransactionRecord[], lateness: number, seed: number): TransactionRecord[] {
  const random = seededRandom(seed);
  return input
    .map((record, i) => ({ record, arrival: i * 10_000 + random.uniform(0, lateness - 10_000) }))
    .sort((x, y) => x.arrival - y.arrival)
    .map(({ record }, offset) => ({ ...record, ref: { ...record.ref, offset } }));
}

/**
 * A store holding what `store` holds for partition test/0, as a checkpoint takes it (compacted),
 * writes it (JSON) and a restore reads it back.
 */
export function restoredCopy(store: RulesStore, offset: number): RulesStore {
  const restored = new RulesStore(store.accounts.name);
  // the stages' stores too (rules keyed by a terminal): `${name}-by-${key}`, and their held
  for (const mine of store.stores) {
    const stage = /-by-(.+?)(-held)?$/.exec(mine.name.slice(store.accounts.name.length));
    if (stage) restored.stage(stage[1]!);
  }
  for (const mine of store.stores) {
    const theirs = restored.stores.find((s) => s.name === mine.name)!;
    const [taken] = mine.snapshot([{ topic: 'test', partition: 0, offset }]);
    theirs.restore('test', 0, JSON.parse(JSON.stringify([...taken!.changes].filter(([, v]) => v !== undefined))) as [string, unknown][]);
  }
  return restored;
}
