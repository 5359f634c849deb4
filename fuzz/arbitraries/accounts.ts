/**
 * Valid transactions of a running stream: a few accounts, each seen again and again, in event
 * time that moves on with the records (now and then one arriving late, some past the allowed
 * lateness), so that the stateful rules (frequency, location, z-score, drain) hold state and fire,
 * and a restart has state to restore. A case carries a placeholder for its timestamp, which
 * {@link inSequence} replaces once the case has its place in the stream.
 */
import fc from 'fast-check';
import { type FuzzCase, fuzzCase } from './fuzzCase.ts';

const PLACEHOLDER = /@sequenced:(\d):(\d+)@/;
/** Event time of the stream's first record; each next one is 5 s later. */
const START = Date.UTC(2026, 2, 1, 8, 0, 0);
const STEP_MS = 5_000;

/** `ms` written in one of the forms the parser takes: the seed's, ISO with `T`, `Z`, an offset, fractions. */
function written(ms: number, form: number): string {
  const iso = (at: number): string => new Date(at).toISOString();
  switch (form) {
    case 0:
      return iso(ms).slice(0, 19).replace('T', ' ');
    case 1:
      return iso(ms).slice(0, 19);
    case 2:
      return iso(ms);
    case 3:
      return `${iso(ms + 3_600_000).slice(0, 19)}+01:00`;
    case 4:
      return `${iso(ms - 5_400_000).slice(0, 19).replace('T', ' ')}.000000-0130`;
    default:
      return `${iso(ms + 7_200_000).slice(0, 23)}+02`;
  }
}

export const accountStreamCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    id: fc.integer({ min: 1000, max: 1005 }),
    transaction_id: fc.integer({ min: 10_000, max: 99_999 }),
    // mostly ordinary amounts, a few far above an account's habits
    amount: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 500, max: 15_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 50_000, max: 5_000_000 }) }),
    account: fc.constantFrom('CM-0001', 'CM-0002', 'CM-0003', 'CM-0004', 'CM-0005', 'CM-0006'),
    location: fc.option(fc.oneof(fc.record({ country: fc.constantFrom('CM', 'CM', 'CM', 'NG', 'FR') }), fc.record({ lat: fc.constantFrom(3.848, 4.05, 48.85), lon: fc.constantFrom(11.502, 9.7, 2.35) })), { nil: undefined }),
    balance: fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: undefined }),
    form: fc.integer({ min: 0, max: 5 }),
    lateBy: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 120 }) }),
  })
  .map(({ form, lateBy, balance, location, ...t }) => {
    const json = { ...t, currency: 'XAF', timestamp: `@sequenced:${form}:${lateBy}@`, ...(location && { location }), ...(balance !== undefined && { balance }) };
    return fuzzCase({ bytes: Buffer.from(JSON.stringify(json)), expect: 'valid', what: `account ${t.account} in a stream`, amount: { value: t.amount, currency: 'XAF' } });
  });

/** The cases with their places in the stream: each sequenced one gets its timestamp. */
export function inSequence(cases: readonly FuzzCase[]): FuzzCase[] {
  return cases.map((c, i) => {
    const text = c.bytes.toString('latin1');
    const m = PLACEHOLDER.exec(text);
    if (!m) return c;
    const at = written(START + i * STEP_MS - Number(m[2]) * 1000, Number(m[1]));
    return fuzzCase({ ...c, bytes: Buffer.from(text.replace(PLACEHOLDER, at), 'latin1') });
  });
}
