/**
 * Runs labelled transactions through a chain of rules and counts, against the labels, which
 * ones the rules flagged: the flow's own operators, so the figures are those of production.
 */
import { type Observable, type OperatorFunction, lastValueFrom, map, reduce, share, tap } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import type { Judged } from '../operators/rules/judged.ts';
import type { TransactionRecord } from '../types.ts';
import { type Classification, ConfusionCounter } from './classification.ts';

export interface Evaluation extends Classification {
  readonly late: number;
  /** How many flagged transactions each reason was part of. */
  readonly reasons: Readonly<Record<string, number>>;
}

export function evaluateRules(
  labelled$: Observable<LabelledTransaction>,
  rules: OperatorFunction<TransactionRecord, Judged>,
  onProgress?: (judged: number) => void,
): Promise<Evaluation> {
  // A record's decision may be revised when one before it in event time arrives later: each
  // record counts once, with its last decision, found by offset.
  const labels = new Map<number, boolean>();
  const decisions = new Map<number, { fraud: boolean; reasons: readonly string[] }>();
  const counter = new ConfusionCounter();
  const reasons: Record<string, number> = {};
  let late = 0;
  let judged = 0;
  const judged$ = labelled$.pipe(
    tap(({ record, fraud }) => labels.set(record.ref.offset, fraud)),
    map(({ record }) => record),
    rules,
    share(),
  );
  return lastValueFrom(
    judged$.pipe(
      tap((j) => {
        const { offset } = j.record.ref;
        const fraud = labels.get(offset) ?? decisions.get(offset)?.fraud ?? false;
        labels.delete(offset);
        decisions.set(offset, { fraud, reasons: j.reasons });
        if (j.late) late++;
        if ((j.revision ?? 0) === 0 && ++judged % 10_000 === 0) onProgress?.(judged);
      }),
      reduce(() => null, null),
      tap(() => {
        for (const { fraud, reasons: fired } of decisions.values()) {
          counter.add(fired.length > 0, fraud);
          // the reason's kind, without its numbers: `frequency>5/10min` counts as `frequency`
          for (const reason of fired) {
            const kind = reason.split(/[^a-z-]/)[0] ?? reason;
            reasons[kind] = (reasons[kind] ?? 0) + 1;
          }
        }
      }),
      map(() => ({ ...counter.result(), late, reasons })),
    ),
  );
}
