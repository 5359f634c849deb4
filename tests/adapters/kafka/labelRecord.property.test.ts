/**
 * The labels topic's input path, generated: every label `vigie label` could send reads back as
 * itself; any bytes at all (JSON or not, UTF-8 or not, with any key) give a label or a dead letter
 * holding exactly those bytes and a reason, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bankMessages } from '../../../src/adapters/simulatedBank/bankKafka.ts';
import { openBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';
import { LABEL_KINDS, PARSE_LABEL, labelJson, parseLabelRecord } from '../../../src/adapters/kafka/labelRecord.ts';

const ref = { source: 'transaction.labels', partition: 2, offset: 41 };
const text = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));
const label = fc.record(
  {
    transaction_id: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    account: text,
    label: fc.constantFrom(...LABEL_KINDS),
    // whole milliseconds of years 1970-9999
    at: fc.integer({ min: 0, max: 253_402_300_799_999 }),
    source: text,
    terminal: text,
  },
  { requiredKeys: ['transaction_id', 'account', 'label', 'at', 'source'] },
);

describe('parseLabelRecord', () => {
  it('reads back every label as sent, keyed by its account', () => {
    fc.assert(
      fc.property(label, (l) => {
        const parsed = parseLabelRecord(Buffer.from(l.account), Buffer.from(labelJson(l)), ref, 7);
        expect(parsed).toEqual({ ok: true, value: { ...l, ref } });
      }),
    );
  });

  it('turns any bytes into a label or a dead letter with those exact bytes and a reason', () => {
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j) ?? 'null')),
      label.map((l) => Buffer.from(labelJson(l))),
      // a valid label with one field replaced by anything
      fc.tuple(label, fc.constantFrom('transaction_id', 'account', 'label', 'at', 'source', 'terminal'), fc.jsonValue()).map(([l, field, v]) => Buffer.from(JSON.stringify({ ...JSON.parse(labelJson(l)), [field]: v }))),
    );
    const key = fc.option(fc.oneof(text.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b))));
    fc.assert(
      fc.property(key, fc.option(value), (k, v) => {
        const parsed = parseLabelRecord(k, v, ref, 7);
        if (parsed.ok) {
          expect(parsed.value.ref).toEqual(ref);
          expect(Buffer.from(k!).toString()).toBe(parsed.value.account);
          return;
        }
        expect(parsed.dead.stage).toBe(PARSE_LABEL);
        expect(parsed.dead.reason.length).toBeGreaterThan(0);
        expect(Buffer.from(parsed.dead.bytes!).equals(v ?? Buffer.alloc(0))).toBe(true);
        expect(parsed.dead).toMatchObject({ ref, time: 7 });
      }),
      { numRuns: 500 },
    );
  });

  it('names the field at fault, and a key that is not the account', () => {
    const ok = { transaction_id: 5, account: 'A1', label: 'fraud', at: '2026-12-07T10:00:00Z', source: 'chargebacks' };
    const reason = (key: string | null, value: unknown) => {
      const parsed = parseLabelRecord(key === null ? null : Buffer.from(key), Buffer.from(JSON.stringify(value)), ref, 0);
      return parsed.ok ? 'ok' : parsed.dead.reason;
    };
    expect(reason('A1', ok)).toBe('ok');
    expect(reason('A1', { ...ok, label: 'maybe' })).toMatch(/^label: /);
    expect(reason('A1', { ...ok, at: '2026-02-30 10:00:00' })).toMatch(/^at: day 30 does not exist/);
    expect(reason('A1', { ...ok, transaction_id: -1 })).toMatch(/^transaction_id: /);
    expect(reason('B2', ok)).toBe(`the key ("B2") is not the label's account ("A1"): labels are keyed by account, in the partition of its transactions`);
    expect(reason(null, ok)).toMatch(/^the key \(none\)/);
    expect(parseLabelRecord(Buffer.from('A1'), Buffer.from([0xff, 0x7b]), ref, 0)).toMatchObject({ ok: false, dead: { reason: 'the value is not UTF-8' } });
  });
});

describe("parseLabelRecord of the simulated bank's labels", () => {
  it('reads every label of a simulated bank (both profiles) as a fraud label', () => {
    for (const profile of ['handbook', 'cameroon'] as const) {
      let labels = 0;
      for (const m of bankMessages(openBank({ profile, customers: 2_000, terminals: 500, days: 15, seed: 3 }), { labelDelayMs: 86_400_000 })) {
        if (!m.label) continue;
        labels++;
        const parsed = parseLabelRecord(Buffer.from(m.key as string), Buffer.from(m.value as string), ref, 0);
        expect(parsed, m.value as string).toMatchObject({ ok: true, value: { label: 'fraud', source: 'simulated-bank' } });
      }
      expect(labels).toBeGreaterThan(0);
    }
  });

  it('reads them as fraud labels known at labelled_at, from simulated-bank', () => {
    const value = '{"transaction_id":0,"account":"C0000596","fraud":true,"kind":"compromised-terminal","timestamp":"2018-04-01T00:00:31Z","labelled_at":"2018-04-08T00:00:31Z"}';
    expect(parseLabelRecord(Buffer.from('C0000596'), Buffer.from(value), ref, 0)).toEqual({
      ok: true,
      value: { transaction_id: 0, account: 'C0000596', label: 'fraud', at: Date.parse('2018-04-08T00:00:31Z'), source: 'simulated-bank', ref },
    });
  });
});
