/**
 * Scores fraud detection methods (a rule alone, a rule set: any operator from records to
 * judgements) on labelled transactions, all in one pass over the file: each record goes to every
 * method in turn, synchronously, and is counted once its decisions are final.
 *
 * A decision is final when no record to come can revise it: `decideOnArrival` revises a record
 * only for one before it in event time that arrives within the allowed lateness, so a record
 * more than the lateness behind the newest event time is settled. Memory holds the records not
 * yet settled, the open days' cards (card precision) and one count per distinct score (average
 * precision), never the whole file.
 *
 * Per method: precision, recall and F1 of "a rule fired"; average precision and the curve of the
 * judgement's score (the highest score of the rules that fired, 0 when none did); recall per
 * fraud kind; card precision@k per day on the same score (see `cardPrecision.ts`).
 *
 * A method may be a view of another's judgements ({@link RuleView}): the rules of the rule
 * language among its `fired` that the view keeps, scored as if they ran alone (each rule's state
 * is its own, so a rule in a set decides as it would alone). A rule set judged with `explain`
 * scores each of its rules in the same pass. With `compare`, two methods are compared record by
 * record: the frauds and the false alarms each flags and the other does not.
 */
import { type Observable, type OperatorFunction, Subject, type Subscription } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { accountOf } from '../operators/rules/accountOf.ts';
import { eventTime } from '../operators/rules/eventTime.ts';
import type { Judged } from '../operators/rules/judged.ts';
import type { FiredRule, TransactionRecord } from '../types.ts';
import { CardPrecisionAtK, type DayPrecision } from './cardPrecision.ts';
import { type Classification, ConfusionCounter } from './classification.ts';
import { type PrPoint, ScoreCounts } from './precisionRecall.ts';

export interface MethodFigures extends Classification {
  readonly averagePrecision: number;
  readonly cardPrecisionAt100: number;
  readonly cardPrecisionAt100PerDay: readonly DayPrecision[];
  /** Per fraud kind, the share of its frauds the method flagged. */
  readonly recallByKind: Readonly<Record<string, number>>;
  /** The precision–recall curve of the score, highest threshold first (for the picture). */
  readonly curve: readonly PrPoint[];
}

/** What one method flags that the other does not (see `EvaluateFraudOptions.compare`). */
export interface OnlyOne {
  /** Frauds it flags and the other does not. */
  readonly frauds: number;
  readonly fraudsByKind: Readonly<Record<string, number>>;
  /** Legitimate transactions it flags and the other does not. */
  readonly falseAlarms: number;
}

export interface FraudComparison {
  readonly a: string;
  readonly b: string;
  readonly onlyA: OnlyOne;
  readonly onlyB: OnlyOne;
}

export interface FraudEvaluation {
  readonly rows: number;
  readonly frauds: number;
  readonly fraudsByKind: Readonly<Record<string, number>>;
  /** Records that came behind their partition's watermark (judged against the state as it was). */
  readonly late: number;
  readonly methods: Readonly<Record<string, MethodFigures>>;
  /** With `compare`: what each of the two flags that the other does not. */
  readonly comparison?: FraudComparison;
}

export interface EvaluateFraudOptions {
  /** The rules' allowed lateness, which says when a decision is final; 30 s by default, the rules' own. */
  readonly allowedLatenessMs?: number;
  /** Cards an investigator checks a day; 100, the Handbook's. */
  readonly k?: number;
  /** Told of the rows read so far, now and then. */
  readonly onProgress?: (rows: number) => void;
  /** Two methods' names: what each flags that the other does not (frauds, false alarms). */
  readonly compare?: readonly [string, string];
  /**
   * Which records count (the test part of a split by time): every record runs through the
   * methods, so their state holds the history before it, but only those this passes are scored.
   * `index` is the record's position in `labelled$`, from 0. All of them by default.
   */
  readonly counted?: (labelled: LabelledTransaction, index: number) => boolean;
}

/**
 * A method read from another's judgements (`of`, a method that explains: its judgements carry
 * `fired`): only the rules that `keep` passes, as if they ran alone.
 */
export interface RuleView {
  readonly of: string;
  readonly keep: (fired: FiredRule) => boolean;
}

export type FraudMethod = OperatorFunction<TransactionRecord, Judged> | RuleView;
type Methods = Readonly<Record<string, FraudMethod>>;

const isView = (method: FraudMethod): method is RuleView => typeof method === 'object';

/** `judged` as if only the rules of `fired` that `keep` passes had run. */
function viewOf(judged: Judged, keep: (fired: FiredRule) => boolean, name: string): Judged {
  if (judged.fired === undefined) {
    if (judged.reasons.length === 0) return judged; // none fired
    throw new Error(`evaluateFraud: ${name} reads the rules that fired, but its method does not explain (judgeByRules with explain)`);
  }
  const kept = judged.fired.filter(keep);
  if (kept.length === judged.fired.length) return judged;
  let score = 0;
  for (const f of kept) score = Math.max(score, f.score);
  return { ...judged, reasons: kept.map((f) => f.reason), score, fired: kept };
}

/** A record read, waiting for its decisions to be final. */
interface Unsettled {
  readonly labelled: LabelledTransaction;
  readonly time: number;
  /** Whether it is scored (`EvaluateFraudOptions.counted`), or only warms the methods' state. */
  readonly counted: boolean;
  /** The latest judgement of each method, in the order of the methods. */
  readonly judged: (Judged | undefined)[];
}

const DAY_MS = 86_400_000;

class MethodScore {
  readonly confusion = new ConfusionCounter();
  readonly scores = new ScoreCounts();
  readonly cards: CardPrecisionAtK;
  readonly caughtByKind = new Map<string, number>();

  constructor(k: number) {
    this.cards = new CardPrecisionAtK(k);
  }

  add({ labelled, time }: Unsettled, judged: Judged): void {
    const { fraud, kind, record } = labelled;
    const fired = judged.reasons.length > 0;
    this.confusion.add(fired, fraud);
    this.scores.add(judged.score, fraud);
    this.cards.add(time, accountOf(record.transaction), judged.score, fraud);
    if (fraud && fired) this.caughtByKind.set(kind ?? '', (this.caughtByKind.get(kind ?? '') ?? 0) + 1);
  }

  figures(fraudsByKind: Readonly<Record<string, number>>): MethodFigures {
    const perDay = this.cards.perDay();
    return {
      ...this.confusion.result(),
      averagePrecision: this.scores.averagePrecision(),
      cardPrecisionAt100: this.cards.mean(),
      cardPrecisionAt100PerDay: perDay,
      recallByKind: Object.fromEntries(Object.entries(fraudsByKind).map(([kind, n]) => [kind, (this.caughtByKind.get(kind) ?? 0) / n])),
      curve: this.scores.curve(),
    };
  }
}

/**
 * Runs `labelled$` through every method and scores each against the labels.
 *
 * @param labelled$ the labelled transactions, in event-time order (as a file holds them).
 * @param methods each method by name: `judgeRules({ rules: ['amount'] })`, `judgeRules()`, ...
 * @return the figures of each method, once `labelled$` completes.
 */
export function evaluateFraud(labelled$: Observable<LabelledTransaction>, methods: Methods, options: EvaluateFraudOptions = {}): Promise<FraudEvaluation> {
  const { allowedLatenessMs = 30_000, k = 100, onProgress, compare, counted = () => true } = options;
  const names = Object.keys(methods);
  const operators = names.filter((name) => !isView(methods[name]!));
  const only = [new Map<string, number>(), new Map<string, number>()] as const;
  const onlyAlarms = [0, 0];
  return new Promise<FraudEvaluation>((resolve, reject) => {
    // a throw here rejects the promise
    for (const name of names) {
      const method = methods[name]!;
      if (isView(method) && !operators.includes(method.of)) throw new RangeError(`evaluateFraud: ${name} views ${method.of}, which is not a method that runs`);
    }
    for (const name of compare ?? []) if (!names.includes(name)) throw new RangeError(`evaluateFraud: compare names ${name}, not a method`);
    const pending = new Map<number, Unsettled>();
    const scores = names.map(() => new MethodScore(k));
    const fraudsByKind: Record<string, number> = {};
    let rows = 0;
    let read = 0;
    let frauds = 0;
    let late = 0;
    let newest = Number.NEGATIVE_INFINITY;
    let closedDay = Number.NEGATIVE_INFINITY;
    const subscriptions: Subscription[] = [];
    const fail = (error: unknown): void => {
      for (const s of subscriptions) s.unsubscribe();
      reject(error);
    };

    const inputs = operators.map((name, i) => {
      const input = new Subject<TransactionRecord>();
      subscriptions.push(
        input.pipe(methods[name] as OperatorFunction<TransactionRecord, Judged>).subscribe({
          next: (judged) => {
            const waiting = pending.get(judged.record.ref.offset);
            if (waiting === undefined) return fail(new Error(`evaluateFraud: ${name} revised offset ${judged.record.ref.offset} after its decision was counted`));
            if (i === 0 && waiting.counted && judged.late && (judged.revision ?? 0) === 0) late++;
            waiting.judged[i] = judged;
          },
          error: fail,
        }),
      );
      return input;
    });

    const settle = (entry: Unsettled): void => {
      const judgedBy = (name: string): Judged => {
        const judged = entry.judged[operators.indexOf(name)];
        if (judged === undefined) throw new Error(`evaluateFraud: ${name} gave no judgement for offset ${entry.labelled.record.ref.offset}`);
        return judged;
      };
      if (!entry.counted) return;
      const final = names.map((name) => {
        const method = methods[name]!;
        return isView(method) ? viewOf(judgedBy(method.of), method.keep, name) : judgedBy(name);
      });
      final.forEach((judged, i) => scores[i]!.add(entry, judged));
      if (compare !== undefined) {
        const [a, b] = compare.map((name) => final[names.indexOf(name)]!.reasons.length > 0) as [boolean, boolean];
        if (a === b) return;
        const side = a ? 0 : 1;
        if (!entry.labelled.fraud) onlyAlarms[side]!++;
        else {
          const kind = entry.labelled.kind ?? '';
          only[side].set(kind, (only[side].get(kind) ?? 0) + 1);
        }
      }
    };
    /** Counts the records before the watermark (in arrival order), then closes the days that are over. */
    const settleBefore = (watermark: number): void => {
      for (const [offset, entry] of pending) {
        if (entry.time >= watermark) break;
        pending.delete(offset);
        settle(entry);
      }
      if (Math.floor(watermark / DAY_MS) <= closedDay) return;
      let until = watermark;
      for (const entry of pending.values()) until = Math.min(until, entry.time);
      closedDay = Math.floor(until / DAY_MS);
      for (const s of scores) s.cards.closeBefore(until);
    };

    subscriptions.push(
      labelled$.subscribe({
        next: (labelled) => {
          try {
            const time = eventTime(labelled.record.transaction);
            const isCounted = counted(labelled, read++);
            pending.set(labelled.record.ref.offset, { labelled, time, counted: isCounted, judged: operators.map(() => undefined) });
            if (isCounted) rows++;
            if (isCounted && labelled.fraud) {
              frauds++;
              fraudsByKind[labelled.kind ?? ''] = (fraudsByKind[labelled.kind ?? ''] ?? 0) + 1;
            }
            for (const input of inputs) input.next(labelled.record);
            newest = Math.max(newest, time);
            settleBefore(newest - allowedLatenessMs);
            if (read % 10_000 === 0) onProgress?.(read);
          } catch (error) {
            fail(error);
          }
        },
        error: fail,
        complete: () => {
          try {
            for (const input of inputs) input.complete();
            settleBefore(Number.POSITIVE_INFINITY);
            onProgress?.(read);
            const figures = Object.fromEntries(names.map((name, i) => [name, scores[i]!.figures(fraudsByKind)]));
            const side = (i: 0 | 1): OnlyOne => {
              const byKind = Object.fromEntries([...only[i]].sort(([x], [y]) => x.localeCompare(y)));
              return { frauds: Object.values(byKind).reduce((n, m) => n + m, 0), fraudsByKind: byKind, falseAlarms: onlyAlarms[i]! };
            };
            const comparison = compare === undefined ? {} : { comparison: { a: compare[0], b: compare[1], onlyA: side(0), onlyB: side(1) } };
            resolve({ rows, frauds, fraudsByKind, late, methods: figures, ...comparison });
          } catch (error) {
            fail(error);
          }
        },
      }),
    );
  });
}
