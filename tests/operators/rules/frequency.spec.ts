import { VigieError } from '../../../src/errors.ts';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, from, tap, toArray } from 'rxjs';
import { frequency, frequencyRule } from '../../../src/operators/rules/frequency.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { RulesStore } from '../../../src/operators/rules/decideOnArrival.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { finalDecisions, judged, tx } from './records.ts';

const run = async (input: Judged[], options: Parameters<typeof frequency>[0]): Promise<Judged[]> =>
  lastValueFrom(from(input).pipe(frequency(options), toArray()));

describe('frequency', () => {
  // One transaction of account A a minute, one of B at the end.
  const a: [Judged, Judged, Judged] = [judged(tx(0, 0)), judged(tx(1, 60)), judged(tx(2, 120))];
  const b = judged(tx(3, 180, { account: 'B' }));
  const fired = judged(a[2].record, ['frequency>2/10min'], 1.5);

  it('decides each transaction on arrival, firing on the one that exceeds max', marbles((m) => {
    const source = m.cold('-a-b-c-d-|', { a: a[0], b: a[1], c: a[2], d: b });
    m.expect(source.pipe(frequency({ max: 2 }))).toBeObservable('-a-b-C-d-|', { a: a[0], b: a[1], C: fired, d: b });
  }));

  it('revises a decision that a transaction arriving out of order changes', marbles((m) => {
    // c, b, a: c and b alone are 2, not above max; a, arriving last but first in event time,
    // makes c the third in the window: c's decision is revised, caused by a.
    const source = m.cold('-c-b-(a|)', { a: a[0], b: a[1], c: a[2] });
    const revised = { ...fired, revision: 1, cause: a[0].record.ref };
    m.expect(source.pipe(frequency({ max: 2, allowedLatenessMs: 5 * 60_000 }))).toBeObservable('-c-b-(aR|)', { a: a[0], b: a[1], c: a[2], R: revised });
  }));

  it('passes an error on', marbles((m) => {
    const source = m.cold('-a-b-#', { a: a[0], b: a[1] });
    m.expect(source.pipe(frequency({ max: 2 }))).toBeObservable('-a-b-#', { a: a[0], b: a[1] });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a: a[0], b: a[1], c: a[2] });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(frequency()), subs).toBeObservable('-a-', { a: a[0] });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(frequency({ max: 2 }), (i) => judged(tx(i, i)), 5);
    expect(outputs.map((j) => j.reasons.length)).toEqual([0, 0, 1, 1, 1]);
    expect(produced).toBe(5);
  });

  it('ends the stream with an error on a timestamp it cannot read', marbles((m) => {
    const bad = judged({ ...a[0].record, transaction: { ...a[0].record.transaction, timestamp: 'yesterday' } });
    const source = m.hot('-a-x-b-|', { a: a[0], x: bad, b: a[1] });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(frequency())).toBeObservable(
      '-a-#',
      { a: a[0] },
      new VigieError('TIMESTAMP_INVALID', 'eventTime: an unparsed timestamp: expected YYYY-MM-DD HH:MM:SS or ISO 8601 such as 2026-03-01T10:30:00.123+01:00, got "yesterday"', { where: { transaction: 10000 } }),
    );
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('fires at max + 1 and not at max', async () => {
    const six = [0, 1, 2, 3, 4, 5].map((i) => judged(tx(i, 60 * i)));
    const output = await run(six, {});
    expect(output.map((j) => j.reasons)).toEqual([[], [], [], [], [], ['frequency>5/10min']]);
    expect(output[5]!.score).toBe(6 / 5);
  });

  it('counts both ends of the window [t - windowMs, t], and not beyond', async () => {
    const input = [0, 300, 600, 601].map((s, i) => judged(tx(i, s)));
    const output = await run(input, { max: 2, windowMs: 600_000 });
    // At 600 s the window [0, 600] holds 3; at 601 s, [1, 601] holds 300, 600, 601: 3 again.
    expect(output.map((j) => j.reasons.length)).toEqual([0, 0, 1, 1]);
  });

  it('judges a record behind its partition watermark against the state as it is, and leaves it out', async () => {
    // Lateness 5 min: after the record at 20 min, the watermark is 15 min; one at 12 min is late.
    const input = [judged(tx(0, 600)), judged(tx(1, 1200)), judged(tx(2, 720)), judged(tx(3, 1201))];
    const output = await run(input, { max: 2, allowedLatenessMs: 5 * 60_000 });
    expect(output.map((j) => [j.record.ref.offset, j.late, j.reasons.length])).toEqual([
      [0, false, 0],
      [1, false, 0],
      [2, true, 1], // 600, 1200 and itself: 3 in its window
      [3, false, 0], // 1200 and 1201 in [10:10:01, 10:20:01]: the late one was not counted
    ]);
  });

  it('keeps a watermark per partition: a partition far ahead makes no record of another late', async () => {
    const p1 = (offset: number, seconds: number) => judged({ ...tx(offset, seconds), ref: { source: 'test', partition: 1, offset } });
    // partition 1 is a day ahead; partition 0's records, minutes apart, are all on time
    const input = [p1(0, 86_400), judged(tx(0, 0)), judged(tx(1, 60)), judged(tx(2, 120))];
    const output = await run(input, { max: 2, allowedLatenessMs: 1000 });
    expect(output.filter((j) => j.late)).toEqual([]);
    expect(output.map((j) => j.reasons.length)).toEqual([0, 0, 0, 1]);
  });

  it('decides the same, revisions included, whatever the order of arrival within the allowed lateness', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const sorted = Array.from({ length: 400 }, (_, i) =>
      judged(tx(i, Math.floor(i * 15 + random() * 10), { account: `A${Math.floor(random() * 5)}` })),
    );
    const lateness = 5 * 60_000;
    // Each arrives up to the lateness after its event time: never late, often out of order.
    const shuffled = sorted
      .map((j, i) => ({ j, arrival: i * 15_000 + random() * (lateness - 10_000) }))
      .sort((x, y) => x.arrival - y.arrival)
      .map(({ j }) => j);
    expect(shuffled).not.toEqual(sorted);
    const inOrder = await run(sorted, { allowedLatenessMs: lateness });
    const outOfOrder = await run(shuffled, { allowedLatenessMs: lateness });
    expect(outOfOrder.filter((j) => j.late)).toEqual([]);
    expect(inOrder.filter((j) => j.reasons.length > 0).length).toBeGreaterThan(10);
    expect(outOfOrder.filter((j) => (j.revision ?? 0) > 0).length).toBeGreaterThan(0);
    expect(finalDecisions(outOfOrder)).toEqual(finalDecisions(inOrder));
  });

  it('forgets accounts idle longer than the TTL: state bounded by active accounts', async () => {
    // 1000 accounts, each active for a minute, one after the other.
    const input = Array.from({ length: 3000 }, (_, i) => judged(tx(i, 20 * i, { account: `A${Math.floor(i / 3)}` })));
    const store = new RulesStore('test');
    let largest = 0;
    const sizes = from(input).pipe(frequency({ windowMs: 60_000, store }), tap(() => (largest = Math.max(largest, store.accounts.partition('test', 0).size - 1))));
    expect(await lastValueFrom(sizes.pipe(toArray()))).toHaveLength(3000); // less the clock, above
    // TTL 2 min: an account is held at most 2 min after its last transaction, 3 accounts a minute.
    expect(largest).toBeLessThanOrEqual(8);
  });

  it('rejects bad options', () => {
    expect(() => frequency({ max: 0 })).toThrow(/max must be an integer >= 1, got 0/);
    expect(() => frequency({ windowMs: 60_000, ttlMs: 1000 })).toThrow(/ttlMs must be >= windowMs/);
    expect(() => frequency({ allowedLatenessMs: -1 })).toThrow(/allowedLatenessMs must be a finite number >= 0, got -1/);
  });
});

describe('frequencyRule, its state', () => {
  const rule = frequencyRule({ max: 2, windowMs: 10_000 });
  const t = tx(0, 0).transaction;
  const count = (state: unknown): number => (JSON.parse(JSON.stringify(state)) as number[]).length;

  it('leaves every state it handed out as it was, when an older one is stepped again (a revision)', () => {
    const s1 = rule.step(rule.init(), t, 1_000).state;
    const s2 = rule.step(s1, t, 2_000).state;
    const s3 = rule.step(s2, t, 3_000).state;
    // a transaction at 1 500 replayed from s1: a branch of the same history
    const branch = rule.step(s1, t, 1_500);
    expect(JSON.parse(JSON.stringify(branch.state))).toEqual([1_000, 1_500]);
    expect(branch.flags).toEqual([]);
    expect(JSON.parse(JSON.stringify(s3))).toEqual([1_000, 2_000, 3_000]);
    expect(rule.step(s3, t, 4_000).flags).toEqual([{ reason: 'frequency>2/10s', score: 2 }]);
    expect([s1, s2, s3].map(count)).toEqual([1, 2, 3]);
  });

  it('forgets the times that left the window, and goes on from a state written down and read back', () => {
    let state = rule.init() as unknown;
    for (let i = 0; i < 500; i++) state = rule.step(state as never, t, i * 1_000).state;
    expect(count(state)).toBe(11); // 489 s to 499 s
    const restored = JSON.parse(JSON.stringify(state)) as number[];
    expect(JSON.stringify(rule.step(restored, t, 500_000))).toBe(JSON.stringify(rule.step(state as never, t, 500_000)));
  });
});
