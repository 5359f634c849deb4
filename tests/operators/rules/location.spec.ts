import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, tap, toArray } from 'rxjs';
import { RulesStore } from '../../../src/operators/rules/decideOnArrival.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { distanceKm, location } from '../../../src/operators/rules/location.ts';
import { marbles } from '../../helpers/marbles.ts';
import { judged, tx } from './records.ts';

const run = async (input: Judged[], options: Parameters<typeof location>[0]): Promise<Judged[]> =>
  lastValueFrom(from(input).pipe(location(options), toArray()));

const DOUALA = { lat: 4.05, lon: 9.7 };
const PARIS = { lat: 48.86, lon: 2.35 };
const HOUR = 3600;

describe('location', () => {
  const a = judged(tx(0, 0, { location: DOUALA }));
  const b = judged(tx(1, HOUR / 2, { location: PARIS }));
  const c = judged(tx(2, 10 * HOUR, { location: PARIS }));
  const speed = distanceKm(DOUALA, PARIS) * 2;
  const B = judged(b.record, ['travel>900km/h'], speed / 900);

  it('flags impossible travel between consecutive transactions of an account', marbles((m) => {
    const source = m.cold('-a-b-c-|', { a, b, c });
    m.expect(source.pipe(location())).toBeObservable('-a-B-c-|', { a, B, c });
  }));

  // What its doc's @return says: judgements in arrival order, not event-time order, each
  // followed by the revisions it caused.
  it('emits each judgement as its record arrives, followed by the revisions it caused', marbles((m) => {
    const source = m.cold('-b-a---|', { a, b });
    const R = { ...B, revision: 1, cause: a.record.ref };
    m.expect(source.pipe(location({ allowedLatenessMs: HOUR * 1000 }))).toBeObservable('-b-(aR)|', { a, b, R });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-b-#', { a, b }).pipe(location())).toBeObservable('-a-B-#', { a, B });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(location()), subs).toBeObservable('-a-', { a });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(location(), (i) => judged(tx(i, i * HOUR, { location: i === 3 ? PARIS : DOUALA })), 4);
    expect(outputs.map((j) => j.reasons)).toEqual([[], [], [], ['travel>900km/h']]);
    expect(produced).toBe(4);
  });

  it('does not fire exactly at the speed limit, fires just above it', async () => {
    const limit = distanceKm(DOUALA, PARIS); // in one hour
    const trip = [judged(tx(0, 0, { location: DOUALA })), judged(tx(1, HOUR, { location: PARIS }))];
    expect((await run(trip, { maxSpeedKmh: limit }))[1]!.reasons).toEqual([]);
    expect((await run(trip, { maxSpeedKmh: limit * (1 - 1e-9) }))[1]!.reasons).toEqual([`travel>${limit * (1 - 1e-9)}km/h`]);
  });

  it('compares the transactions in event-time order, whatever their arrival', async () => {
    // Arrival: Paris 10:30, Douala 10:00, Paris 20:00; in event time, Douala then Paris 30 min
    // later: Paris is decided on arrival (nothing before it), then revised when Douala comes.
    const output = await run([b, a, c], { allowedLatenessMs: HOUR * 1000 });
    expect(output.map((j) => [j.record.ref.offset, j.revision ?? 0, j.reasons])).toEqual([
      [1, 0, []],
      [0, 0, []],
      [1, 1, ['travel>900km/h']],
      [2, 0, []],
    ]);
  });

  it('flags a new country once the account has minHistory transactions with a country', async () => {
    const countries = ['CM', 'CM', 'FR', 'NG', 'CM', 'US'];
    const input = countries.map((country, i) => judged(tx(i, i * HOUR, { location: { country } })));
    const output = await run(input, { minHistory: 3 });
    expect(output.map((j) => j.reasons)).toEqual([[], [], [], ['new-country:NG'], [], ['new-country:US']]);
  });

  it('keeps each account to itself', async () => {
    const input = [
      judged(tx(0, 0, { account: 'A', location: DOUALA })),
      judged(tx(1, 60, { account: 'B', location: PARIS })),
    ];
    expect((await run(input, {})).map((j) => j.reasons)).toEqual([[], []]);
  });

  it('judges late records against the history as it is, and leaves them out of it', async () => {
    // Paris at 10:01 is an hour behind Douala at 11:00: late, and judged against it (59 min of travel).
    const input = [a, judged(tx(5, HOUR, { location: DOUALA })), judged(tx(6, 60, { location: PARIS })), judged(tx(7, HOUR + 60, { location: DOUALA }))];
    const output = await run(input, {});
    expect(output.map((j) => [j.record.ref.offset, j.late, j.reasons])).toEqual([
      [0, false, []],
      [5, false, []],
      [6, true, ['travel>900km/h']],
      [7, false, []],
    ]);
  });

  it('forgets accounts idle longer than the TTL', async () => {
    const input = Array.from({ length: 1000 }, (_, i) => judged(tx(i, 60 * i, { account: `A${i}`, location: { country: 'CM' } })));
    const store = new RulesStore('test');
    let largest = 0;
    await lastValueFrom(from(input).pipe(location({ ttlMs: 10 * 60_000, store }), tap(() => (largest = Math.max(largest, store.accounts.partition('test', 0).size - 1)))));
    expect(largest).toBe(11); // the accounts of the last 10 min, and the one just come
  });
});
