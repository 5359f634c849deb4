/**
 * The rule set and the prototype's rule on the Handbook's test week, beside vigie's model and the
 * Handbook's baselines (`vigie evaluate fraud handbook`): a simulated bank's labelled CSV replayed
 * in event-time order from `historyDays` before the training week (so the rules' state holds the
 * accounts' history, as a flow that had run all along would) to the end of the test week, and only
 * the test week's transactions scored (`evaluateFraud`'s `counted`).
 *
 * Unlike the Handbook's own test, the cards with a fraud known before the test week are kept:
 * rules have no training part to learn them from, and a flow would judge them too. Card
 * precision@100 is `evaluateFraud`'s (the Handbook's definition: a card caught on a day is left out
 * of the days after).
 */
import { type Observable, filter, takeWhile } from 'rxjs';
import type { LabelledTransaction } from '../adapters/paysim.ts';
import { eventTime } from '../operators/rules/eventTime.ts';
import { type FraudEvaluation, type FraudMethod, evaluateFraud } from './evaluateFraud.ts';
import { HANDBOOK_SPLIT } from './handbookFeatures.ts';

const DAY_MS = 86_400_000;

export interface HandbookRulesOptions {
  readonly startTraining?: string;
  /** Days replayed before the training week for the rules' history; 37, as the features'. */
  readonly historyDays?: number;
  readonly allowedLatenessMs?: number;
  readonly onProgress?: (rows: number) => void;
}

/** The test week's figures of each method (module doc). */
export function handbookRules(bank$: Observable<LabelledTransaction>, methods: Readonly<Record<string, FraudMethod>>, options: HandbookRulesOptions = {}): Promise<FraudEvaluation> {
  const { startTraining = HANDBOOK_SPLIT.startTraining, historyDays = 37, allowedLatenessMs, onProgress } = options;
  const first = Date.parse(`${startTraining}T00:00:00Z`);
  const from = first - historyDays * DAY_MS;
  const test = first + (HANDBOOK_SPLIT.trainDays + HANDBOOK_SPLIT.gapDays) * DAY_MS;
  const end = test + HANDBOOK_SPLIT.testDays * DAY_MS;
  const replayed$ = bank$.pipe(
    filter((labelled) => eventTime(labelled.record.transaction) >= from),
    takeWhile((labelled) => eventTime(labelled.record.transaction) < end),
  );
  return evaluateFraud(replayed$, methods, {
    counted: (labelled) => eventTime(labelled.record.transaction) >= test,
    ...(allowedLatenessMs === undefined ? {} : { allowedLatenessMs }),
    ...(onProgress ? { onProgress } : {}),
  });
}
