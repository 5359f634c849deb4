/**
 * Rows as the fraud flow hands them to its PostgreSQL sinks: suspicious transactions and dead
 * letters, for properties that hold two ways of writing them to each other (copyRows against the
 * INSERT of tables.ts). Two sources each: the transaction records of transactions.ts through the
 * real parser (what a deployment writes: valid ones become suspicious rows, the others dead
 * letters with their exact bytes), and rows built by hand with values no parser lets through
 * (ints past int4, NaN, NUL, lone surrogates, times outside timestamptz), which both ways must
 * then refuse alike.
 */
import fc from 'fast-check';
import { parseTransactionMessage } from '../../src/operators/parseTransaction.ts';
import type { DeadLetter, FiredRule, SourceRef, SuspiciousTransaction, Transaction } from '../../src/types.ts';
import { kafkaTransactionCase } from './transactions.ts';
import { validTimestamp } from './timestamps.ts';

/** Text that COPY's and arrays' quoting must survive, and text no column can hold. */
const awkward = fc.constantFrom(
  '', ' ', 'NULL', 'null', '\\N', '\\', '\\\\', '"', '""', ',', '{', '}', '{a,b}', '\t', '\n', '\r\n', 'a\\tb', '\\.', 'é', '🙂', '\u2400', '\ufeff',
);
const unholdable = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udfff\ud800');
const text = fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) }, { weight: 4, arbitrary: awkward }, fc.array(awkward, { maxLength: 4 }).map((a) => a.join('')));
/** Reasons are not in the row's `input` too: a lone surrogate here is refused by the text[] column alone. */
const reasons = (odd: fc.Arbitrary<string>) => fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('amount>10000XAF', 'velocity', 'geo:CM') }, { weight: 3, arbitrary: text }, odd), { maxLength: 4 });
const score = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 5e-324, 1.7976931348623157e308, Infinity, 1 / 3, 1e21, 1e-7));
/** Epoch ms from year 0001 to 9999, and the edges of timestamptz's range and beyond it (refused alike). */
const instant = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }) },
  fc.constantFrom(0, -1, 1_772_361_000_123, -62_135_596_800_000, 253_402_300_799_999, -210_866_803_200_000, 8_640_000_000_000_000, -8_640_000_000_000_000),
);

interface Draft<T> {
  readonly row: (ref: SourceRef) => T;
}

/**
 * The rules that fired, as the rule language explains them (jsonb): values not finite (JSON's null
 * both ways), -0, long decimals; reasons with text COPY must escape, and (`odd`) text jsonb refuses.
 */
const firedRules = (odd: fc.Arbitrary<string>): fc.Arbitrary<FiredRule[] | undefined> =>
  fc.option(
    fc.array(
      fc.record({
        id: fc.oneof(fc.constantFrom('amount', 'frequency', 'zscore', 'new-country'), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/)),
        version: fc.integer({ min: 1, max: 2_147_483_647 }),
        value: fc.oneof(fc.double(), fc.constantFrom(15_000, 20_000.5, 6, -0, 1 / 3, 1e21, 5e-324, Infinity, NaN)),
        limit: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(10_000, 5, 3.5, 0.9)),
        reason: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('amount>10000XAF', 'frequency>5/10min', 'new-country:FR') }, { weight: 3, arbitrary: awkward }, odd),
        score,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    { nil: undefined },
  );

const judged = (transaction: Transaction, extra: { reasons: readonly string[]; score: number; revision?: number; decidedAt: number; fired?: readonly FiredRule[] | undefined }) =>
  (ref: SourceRef): SuspiciousTransaction => ({ transaction, ref, ...extra, ...(extra.revision ? { cause: { ...ref, offset: ref.offset + 1_000_000 } } : {}) });

/** Times as a running flow stamps them (decided, received): within this century. */
const recent = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });
const judgement = (decidedAt: fc.Arbitrary<number>, odd: fc.Arbitrary<string> = text) =>
  fc.record({ reasons: reasons(odd), score, revision: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })), decidedAt, fired: firedRules(odd === text ? awkward : odd) });

/** A transaction as parsed from a generated Kafka record, or a dead letter of the parse. */
const parsed = (time: fc.Arbitrary<number>, odd?: fc.Arbitrary<string>): fc.Arbitrary<{ suspicious?: Draft<SuspiciousTransaction>; dead?: Draft<DeadLetter> }> => fc
  .tuple(kafkaTransactionCase, judgement(time, odd), time)
  .map(([c, j, time]) => {
    const result = parseTransactionMessage({ raw: c.bytes, ref: { source: 'x', partition: 0, offset: 0 }, time });
    if (result.ok) return { suspicious: { row: judged(result.value.transaction, j) } };
    return { dead: { row: (ref: SourceRef) => ({ ...result.dead, ref }) } };
  });

const wideInt = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }) }, fc.constantFrom(2_147_483_648, -2_147_483_649, 1e21, 0.5, NaN));
const wideMoney = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 10 ** 12 }).map((c) => c / 100) }, fc.constantFrom(1e16, 12.345, 1e-7, 1e21, NaN, Infinity, -0, 9_999_999_999_999_998));
const wideText = fc.oneof({ weight: 6, arbitrary: text }, unholdable);

/** A transaction built by hand: values the parser would refuse, which the database must refuse alike both ways. */
const handBuilt: fc.Arbitrary<Draft<SuspiciousTransaction>> = fc
  .tuple(
    fc.record(
      {
        id: wideInt,
        transaction_id: wideInt,
        amount: wideMoney,
        currency: fc.oneof(fc.constantFrom('XAF', 'EUR', 'XA', 'XAFF'), wideText),
        timestamp: fc.oneof(validTimestamp, wideText),
        account: wideText,
        terminal: wideText,
        location: fc.record({ lat: fc.double(), lon: fc.double(), country: fc.oneof(fc.constantFrom('CM', 'FR'), wideText) }, { requiredKeys: [] }),
        channel: wideText,
        type: wideText,
        balanceBefore: wideMoney,
      },
      { requiredKeys: ['id', 'transaction_id', 'amount', 'currency', 'timestamp'] },
    ),
    judgement(instant, unholdable),
  )
  .map(([t, j]) => ({ row: judged(t, j) }));

const deadByHand: fc.Arbitrary<Draft<DeadLetter>> = fc
  .record({
    stage: fc.oneof(fc.constantFrom('parse-transaction', 'judge'), wideText),
    reason: wideText,
    raw: fc.oneof(wideText, fc.string({ unit: 'binary', maxLength: 2_000 })),
    bytes: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
    time: instant,
  })
  .map(({ bytes, ...d }) => ({ row: (ref: SourceRef) => ({ ...d, ...(bytes && { bytes }), ref }) }));

/** Each row gets its own offset in `source`, so no two share a key unless a test wants them to. */
const numbered = <T>(drafts: readonly Draft<T>[], source: string): T[] => drafts.map((d, offset) => d.row({ source, partition: offset % 3, offset }));

const parsedSuspicious = (time: fc.Arbitrary<number>, odd?: fc.Arbitrary<string>) => parsed(time, odd).filter((p) => p.suspicious !== undefined).map((p) => p.suspicious!);
const parsedDead = (time: fc.Arbitrary<number>) => parsed(time).filter((p) => p.dead !== undefined).map((p) => p.dead!);
const batch = <T>(draft: fc.Arbitrary<Draft<T>>, source: string): fc.Arbitrary<T[]> => fc.array(draft, { maxLength: 40 }).map((drafts) => numbered(drafts, source));

/** Batches of suspicious transactions: mostly as the parser gives them, some built by hand. */
export const suspiciousBatch = (source: string): fc.Arbitrary<SuspiciousTransaction[]> =>
  batch(fc.oneof({ weight: 4, arbitrary: parsedSuspicious(instant, unholdable) }, { weight: 1, arbitrary: handBuilt }), source);

/** Batches of dead letters: the parser's, with their exact bytes, and some built by hand. */
export const deadLetterBatch = (source: string): fc.Arbitrary<DeadLetter[]> =>
  batch(fc.oneof({ weight: 3, arbitrary: parsedDead(instant) }, { weight: 2, arbitrary: deadByHand }), source);

/** Suspicious transactions as a running flow writes them (parsed, decided now): the database takes them all. */
export const flowSuspiciousBatch = (source: string): fc.Arbitrary<SuspiciousTransaction[]> => batch(parsedSuspicious(recent), source);

/** Dead letters as a running flow writes them (the parser's, received now): the database takes them all. */
export const flowDeadLetterBatch = (source: string): fc.Arbitrary<DeadLetter[]> => batch(parsedDead(recent), source);
