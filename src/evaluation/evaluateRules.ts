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
  // Rules may hold records back (event time) and emit them in another order: labels are found by offset.
  const labels = new Map<number, boolean>();
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
        const fraud = labels.get(j.record.ref.offset) ?? false;
        labels.delete(j.record.ref.offset);
        counter.add(j.reasons.length > 0, fraud);
        if (j.late) late++;
        // the reason's kind, without its numbers: `frequency>5/10min` counts as `frequency`
        for (const reason of j.reasons) {
          const kind = reason.split(/[^a-z-]/)[0] ?? reason;
          reasons[kind] = (reasons[kind] ?? 0) + 1;
        }
        if (++judged % 10_000 === 0) onProgress?.(judged);
      }),
      reduce(() => null, null),
      map(() => ({ ...counter.result(), late, reasons })),
    ),
  );
}
