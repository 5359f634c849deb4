/**
 * Whatever a record of the control topic holds, reading it never throws and never touches the
 * rules in force unless it is a valid change: generated keys and values (random bytes, text that
 * is not JSON, JSON that is not a rule, rules with one field broken) are refused with a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRuleRecord, describeOutcome, rejectedJson } from '../../../src/adapters/kafka/ruleRecord.ts';
import { defaultRuleFile } from '../../../src/rules/defaultRules.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';

const TOPIC = 'transaction.rules';
const amount = defaultRuleFile().find((rule) => rule.id === 'amount')!;

/** A valid `amount` rule with one field replaced by anything: the shapes a hand-edited rule comes in. */
const brokenRule = fc
  .tuple(fc.constantFrom('version', 'value', 'compare', 'limit', 'when', 'key', 'from', 'score', 'ttl', 'nonsense'), fc.jsonValue())
  .map(([field, value]) => JSON.stringify({ ...amount, version: 2, [field]: value }));

const badValue = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.string().map((text) => Buffer.from(text)),
  fc.jsonValue().map((json) => Buffer.from(JSON.stringify(json))),
  brokenRule.map((text) => Buffer.from(text)),
  // cut short, or a byte that is not UTF-8 in the middle of a valid rule
  brokenRule.chain((text) => fc.nat(text.length).map((n) => Buffer.from(text.slice(0, n)))),
  fc.nat(40).map((n) => Buffer.concat([Buffer.from(JSON.stringify({ ...amount, version: 2 }).slice(0, n)), Buffer.from([0xc3, 0x28])])),
);

const key = fc.oneof(fc.constant(Buffer.from('amount')), fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)), fc.constant(null));

describe('a record of the control topic', () => {
  it('is refused with a reason, the rules in force untouched, unless it is a valid rule keyed by its id', () => {
    fc.assert(
      fc.property(key, badValue, fc.nat(), (k, value, offset) => {
        const book = RuleBook.of([amount], 'file');
        const before = JSON.stringify(book.list());
        const outcome = applyRuleRecord(book, TOPIC, { partition: 0, offset: String(offset), key: k, value, timestamp: '1796000000000' });
        expect(outcome.change.source).toBe(`${TOPIC}/0@${offset}`);
        if (outcome.accepted) {
          // only a change the schema and the compiler took: then it is the version in force
          expect(k?.toString()).toBe('amount');
          expect(book.list().find((v) => v.id === 'amount')?.source).toBe(`${TOPIC}/0@${offset}`);
          return;
        }
        expect(outcome.reason.length).toBeGreaterThan(0);
        expect(JSON.stringify(book.list())).toBe(before);
        const rejected = JSON.parse(rejectedJson(outcome)) as Record<string, unknown>;
        expect(Object.keys(rejected)).toEqual(['id', 'reason', 'raw', 'source', 'at']);
        expect(rejected['reason']).toBe(outcome.reason);
        expect(describeOutcome(outcome)).toContain(outcome.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('takes a valid change at its record timestamp, and a tombstone removes the rule', () => {
    const book = RuleBook.of([amount], 'file');
    const v2 = { ...amount, version: 2, limit: { by: 'currency', limits: { XAF: 5000 } } };
    const took = applyRuleRecord(book, TOPIC, { partition: 0, offset: '5', key: Buffer.from('amount'), value: Buffer.from(JSON.stringify(v2)), timestamp: String(Date.UTC(2026, 11, 7, 16, 40)) });
    expect(describeOutcome(took)).toBe('rules: amount v2 from 2026-12-07T16:40:00Z (transaction.rules/0@5)');
    expect(book.inForceAt(Date.UTC(2026, 11, 7, 16, 39)).rules.map((r) => r.version)).toEqual([1]);
    expect(book.inForceAt(Date.UTC(2026, 11, 7, 16, 40)).rules.map((r) => r.version)).toEqual([2]);
    const gone = applyRuleRecord(book, TOPIC, { partition: 0, offset: '6', key: Buffer.from('amount'), value: null, timestamp: String(Date.UTC(2026, 11, 7, 17)) });
    expect(describeOutcome(gone)).toBe('rules: amount removed from 2026-12-07T17:00:00Z (transaction.rules/0@6)');
    expect(book.list()).toEqual([]);
  });

  it('names what is wrong: bytes that are not UTF-8, no key, an older version', () => {
    const book = RuleBook.of([{ ...amount, version: 3 }], 'file');
    const at = { partition: 1, offset: '7', timestamp: '0' };
    const notUtf8 = applyRuleRecord(book, TOPIC, { ...at, key: Buffer.from('amount'), value: Buffer.from([0x7b, 0xff, 0x7d]) });
    expect(notUtf8.accepted ? '' : notUtf8.reason).toBe('the value is not UTF-8 (raw shown in base64)');
    const noKey = applyRuleRecord(book, TOPIC, { ...at, key: null, value: Buffer.from(JSON.stringify(amount)) });
    expect(noKey.accepted ? '' : noKey.reason).toBe('no key: the record of a rule is keyed by its id');
    const older = applyRuleRecord(book, TOPIC, { ...at, key: Buffer.from('amount'), value: Buffer.from(JSON.stringify({ ...amount, version: 2 })) });
    expect(older.accepted ? '' : older.reason).toBe('version 2 is below 3, the one in force');
  });
});
