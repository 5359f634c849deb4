/** `vigie simulate bank`'s Kafka flags read as a user writes them: rates and label delays, generated. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Invalid } from '../../src/cli/commands/produce.ts';
import { parseBankRate, parseDelay } from '../../src/cli/commands/simulateBank.ts';

describe('simulate bank --rate and --label-delay', () => {
  it('reads a rate per second or per minute, 0 for no limit, and refuses anything else', () => {
    expect([parseBankRate('500'), parseBankRate('500/s'), parseBankRate('3000/min'), parseBankRate('0'), parseBankRate('2.5')]).toEqual([500, 500, 50, 0, 2.5]);
    for (const raw of ['-1', 'abc', '', '5/h', '1e3', '10000001']) expect(parseBankRate(raw), raw).toBeInstanceOf(Invalid);
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => parseBankRate(String(n)) === n && parseBankRate(`${n * 60}/min`) === n));
  });

  it('reads a delay in days, hours, minutes or seconds, or 0', () => {
    expect([parseDelay('7d'), parseDelay('36h'), parseDelay('90min'), parseDelay('30s'), parseDelay('0'), parseDelay('0.5d')]).toEqual([604_800_000, 129_600_000, 5_400_000, 30_000, 0, 43_200_000]);
    for (const raw of ['7', '7x', '-1d', 'd', '', '7 days']) expect(parseDelay(raw), raw).toBeInstanceOf(Invalid);
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]), (n, [unit, ms]) => parseDelay(`${n}${unit}`) === n * (ms as number)));
  });
});
