import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
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
    m.expect(source.pipe(location({ allowedLatenessMs: 0 }))).toBeObservable('---a-B-(c|)', { a, B, c });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-b-#', { a, b }).pipe(location({ allowedLatenessMs: 0 }))).toBeObservable('---a-#', { a });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^---!';
    m.expect(source.pipe(location({ allowedLatenessMs: 0 })), subs).toBeObservable('---a-', { a });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('does not fire exactly at the speed limit, fires just above it', async () => {
    const limit = distanceKm(DOUALA, PARIS); // in one hour
    const trip = [judged(tx(0, 0, { location: DOUALA })), judged(tx(1, HOUR, { location: PARIS }))];
    expect((await run(trip, { maxSpeedKmh: limit }))[1]!.reasons).toEqual([]);
    expect((await run(trip, { maxSpeedKmh: limit * (1 - 1e-9) }))[1]!.reasons).toEqual([`travel>${limit * (1 - 1e-9)}km/h`]);
  });

  it('compares the transactions in event-time order, whatever their arrival', async () => {
    // Arrival: Paris 10:30, Douala 10:00, Paris 20:00; in event time, Douala then Paris 30 min later.
    const output = await run([b, a, c], { allowedLatenessMs: HOUR * 1000 });
    expect(output.map((j) => j.reasons)).toEqual([[], ['travel>900km/h'], []]);
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

  it('leaves late records out of the history', async () => {
    const input = [a, judged(tx(5, HOUR, { location: DOUALA })), judged(tx(6, 60, { location: PARIS }))];
    const output = await run(input, {});
    expect(output.map((j) => [j.record.ref.offset, j.late, j.reasons])).toEqual([
      [0, false, []],
      [6, true, []],
      [5, false, []],
    ]);
  });

  it('forgets accounts idle longer than the TTL', async () => {
    const input = Array.from({ length: 1000 }, (_, i) => judged(tx(i, 60 * i, { account: `A${i}`, location: { country: 'CM' } })));
    let largest = 0;
    await run(input, { ttlMs: 10 * 60_000, onStateSize: (size) => (largest = Math.max(largest, size)) });
    expect(largest).toBe(11);
  });
});
