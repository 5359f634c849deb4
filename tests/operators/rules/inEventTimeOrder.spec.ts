/**
 * The contract every event-time rule inherits: a judge that throws, whether it runs on a record's
 * arrival, on completion or from the idle timer, ends the output with its error, never the
 * scheduler or the producer.
 */
import { describe, it } from 'vitest';
import { type EventTimeJudge, inEventTimeOrder } from '../../../src/operators/rules/inEventTimeOrder.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

const broken = new Error('rule state corrupt');
// Judges every record unchanged but the one at offset 1, on which it throws.
const throwingOnB = (): EventTimeJudge => ({
  judge: (j: Judged) => {
    if (j.record.ref.offset === 1) throw broken;
    return j;
  },
  clear: () => {},
});
const [a, b, c] = [judged(tx(0, 0)), judged(tx(1, 60)), judged(tx(2, 120))];

describe('inEventTimeOrder', () => {
  it("ends with the judge's throw when a record's arrival releases the one it throws on", marbles((m) => {
    const source = m.cold('-a-b-c-|', { a, b, c });
    const subs = /*     */ '^----!';
    m.expect(source.pipe(inEventTimeOrder('test', 0, throwingOnB))).toBeObservable('---a-#', { a }, broken);
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it("ends with the judge's throw on completion", marbles((m) => {
    m.expect(m.cold('-a-b-|', { a, b }).pipe(inEventTimeOrder('test', 0, throwingOnB))).toBeObservable('---a-#', { a }, broken);
  }));

  it("ends with the judge's throw when the idle timer releases the record", marbles((m) => {
    const source = m.hot('-a-b------', { a, b });
    const idle = { ms: 3, scheduler: m.scheduler };
    m.expect(source.pipe(inEventTimeOrder('test', 60_000, throwingOnB, idle))).toBeObservable('------(a#)', { a }, broken);
  }));
});
