/**
 * vigie's streaming features over the Handbook's weeks: a simulated bank's labelled CSV replayed in
 * event-time order, each fraud's label event 7 days after it (`withDelayedLabels`: what a live
 * stream would have heard by then), through `ruleFeatures(book)`, the operator serving runs. The
 * replay starts `historyDays` before the training week (the longest a rule reads: 37 days)
 * and stops at the end of the test week; the rows of the training week to the end of the test week
 * are kept, one per transaction: its transaction_id and its features (null where a rule gives none).
 */
import { type Observable, filter, lastValueFrom, map, takeWhile, tap, toArray } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { eventTime } from '../operators/rules/eventTime.ts';
import { ruleFeatures } from '../operators/rules/ruleFeatures.ts';
import { withDelayedLabels } from '../operators/withDelayedLabels.ts';
import { RuleBook } from '../rules/ruleBook.ts';
import type { Rule } from '../rules/schema.ts';

const DAY_MS = 86_400_000;

/** The Handbook's split (bench/handbook/baselines.py): a training week, a week's gap, a test week. */
export const HANDBOOK_SPLIT = { startTraining: '2018-07-25', trainDays: 7, gapDays: 7, testDays: 7, labelDelayDays: 7 } as const;

export interface HandbookFeatureRows {
  /** The feature names, in the order of each row's values. */
  readonly names: readonly string[];
  readonly ids: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
  /** Records replayed (transactions and label events). */
  readonly replayed: number;
}

export interface HandbookReplayOptions {
  readonly startTraining?: string;
  readonly historyDays?: number;
  readonly onProgress?: (replayed: number) => void;
}

/** The feature rows of the training week to the end of the test week (module doc). */
export async function handbookFeatureRows(bank$: Observable<LabelledTransaction>, rules: readonly Rule[], options: HandbookReplayOptions = {}): Promise<HandbookFeatureRows> {
  const { startTraining = HANDBOOK_SPLIT.startTraining, historyDays = 37, onProgress } = options;
  const first = Date.parse(`${startTraining}T00:00:00Z`);
  const from = first - historyDays * DAY_MS;
  const end = first + (HANDBOOK_SPLIT.trainDays + HANDBOOK_SPLIT.gapDays + HANDBOOK_SPLIT.testDays) * DAY_MS;
  // every rule from the replay's start (a rule's `from` defaults to when it was published: now)
  const book = RuleBook.of(rules.map((rule) => ({ ...rule, from: new Date(from).toISOString() })), 'features');
  const names = [...new Set(book.inForceAt(first).features.map((f) => f.name))];
  let replayed = 0;
  const rows = await lastValueFrom(
    bank$.pipe(
      filter((labelled) => eventTime(labelled.record.transaction) >= from),
      takeWhile((labelled) => eventTime(labelled.record.transaction) < end),
      withDelayedLabels(HANDBOOK_SPLIT.labelDelayDays * DAY_MS),
      tap(() => {
        if (++replayed % 10_000 === 0) onProgress?.(replayed);
      }),
      ruleFeatures(book),
      filter((row) => eventTime(row.record.transaction) >= first),
      map((row) => [row.record.transaction.transaction_id, names.map((name) => row.features[name] ?? null)] as const),
      toArray(),
    ),
  );
  onProgress?.(replayed);
  return { names, ids: rows.map(([id]) => id), values: rows.map(([, values]) => values), replayed };
}

/** The rows as the CSV train/handbook.py reads: `transaction_id,name,...`, an empty field for null. */
export function featureRowsCsv(rows: HandbookFeatureRows): string {
  const lines = [['transaction_id', ...rows.names].join(',')];
  for (let i = 0; i < rows.ids.length; i++) lines.push(`${rows.ids[i]},${rows.values[i]!.map((v) => (v === null ? '' : String(v))).join(',')}`);
  return `${lines.join('\n')}\n`;
}
