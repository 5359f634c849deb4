import { VigieError } from '../../../src/errors.ts';
import { describe, expect, it } from 'vitest';
import { eventTime } from '../../../src/operators/rules/eventTime.ts';
import { judge } from '../../../src/operators/rules/judged.ts';
import { suspiciousOnly } from '../../../src/operators/rules/suspiciousOnly.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

describe('eventTime', () => {
  it('reads the timestamp as UTC', () => {
    expect(eventTime(tx(0, 0).transaction)).toBe(Date.UTC(2026, 10, 22, 10, 0, 0));
    expect(eventTime(tx(0, 61).transaction) - eventTime(tx(0, 0).transaction)).toBe(61_000);
  });

  it('reads ISO 8601 as parseTransaction does, the offset applied', () => {
    expect(eventTime({ ...tx(0, 0).transaction, timestamp: '2026-11-22T11:00:00.250+01:00' })).toBe(Date.UTC(2026, 10, 22, 10, 0, 0, 250));
  });

  it('rejects a timestamp no parse accepted, naming the transaction and the value', () => {
    const thrown = (() => {
      try {
        eventTime({ ...tx(0, 0).transaction, timestamp: '2026-02-30 10:00:00' });
      } catch (error) {
        return error;
      }
    })();
    // an error of src/errors.ts, with a code and the transaction it is about
    expect(thrown).toBeInstanceOf(VigieError);
    expect(thrown).toMatchObject({ code: 'TIMESTAMP_INVALID', where: { transaction: 10000 } });
    expect((thrown as Error).message).toMatch(/^eventTime: an unparsed timestamp: day 30 .* in "2026-02-30 10:00:00" \(transaction=10000\)$/);
  });
});

describe('judge and suspiciousOnly', () => {
  const a = tx(0, 0);
  const b = tx(1, 1);

  it('starts each record with an empty judgement', marbles((m) => {
    m.expect(m.cold('-a-b-|', { a, b }).pipe(judge())).toBeObservable('-A-B-|', { A: judged(a), B: judged(b) });
  }));

  it('keeps only the flagged records, as suspicious transactions', marbles((m) => {
    const source = m.cold('-a-b-#', { a: judged(a), b: judged(b, ['x', 'y'], 2) });
    m.expect(source.pipe(suspiciousOnly())).toBeObservable('---B-#', {
      B: { transaction: b.transaction, ref: b.ref, reasons: ['x', 'y'], score: 2 },
    });
  }));

  it('stamps each with the time it was decided, given a clock', marbles((m) => {
    const source = m.cold('-a-b-|', { a: judged(a), b: judged(b, ['x'], 2) });
    m.expect(source.pipe(suspiciousOnly({ clock: () => m.scheduler.now() }))).toBeObservable('---B-|', {
      B: { transaction: b.transaction, ref: b.ref, reasons: ['x'], score: 2, decidedAt: 3 },
    });
  }));
});
