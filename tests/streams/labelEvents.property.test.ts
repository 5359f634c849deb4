/**
 * Labels forwarded into the transactions topic (header `vigie-record: label`, keyed by account,
 * src/adapters/kafka/labelEvent.ts) through the real transaction flow in process
 * (`acknowledgedTransactions`, a model scoring beside the rules): a label is a label event that
 * steps the rules reading labels (`fraudLabels`), is acknowledged, and is never judged, scored or
 * stored as a transaction; a label behind the watermark still counts, from its place on; and any
 * record marked so (a label or broken bytes, any key, any header value) is a label event or a dead
 * letter with its exact bytes and the reason, and never stops the stream.
 */
import fc from 'fast-check';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LABEL_RECORD, parseLabelEvent, partitionOf } from '../../src/adapters/kafka/labelEvent.ts';
import { LABEL_KINDS, PARSE_LABEL, labelJson, parseLabelRecord } from '../../src/adapters/kafka/labelRecord.ts';
import { ModelSlots, type ScoringModel } from '../../src/models/modelSlots.ts';
import type { Judged } from '../../src/operators/rules/judged.ts';
import type { TransactionMessage } from '../../src/operators/parseTransaction.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import type { DurableSink } from '../../src/streams/acknowledgements.ts';
import { acknowledgedTransactions } from '../../src/streams/acknowledgedTransactions.ts';
import type { DeadLetter, SuspiciousTransaction } from '../../src/types.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** The terminal's confirmed frauds of the last 7 days (no delay), what a model reads. */
const book = () =>
  RuleBook.of([{ id: 'terminal-frauds', version: 1, value: { fraudLabels: { aggregate: 'count', window: '7d' } }, feature: 'terminal_frauds', key: ['terminal'] }]);

/** Flags every transaction it scores: a label event it scored would be a row. */
const model: ScoringModel = { version: 'm1', threshold: 0, features: ['terminal_frauds'], score: () => 0.5, contributions: () => [] } as unknown as ScoringModel;

function memory<T>(into: T[], name: string): DurableSink<T> {
  return map((item: T) => {
    into.push(item);
    return { sink: name, items: [item] };
  });
}

type Input = Omit<TransactionMessage, 'ref' | 'time'>;
const tx = (n: number, terminal: string, at: number): Input => ({
  raw: JSON.stringify({ id: 1000 + n, transaction_id: n, amount: 10, currency: 'XAF', timestamp: new Date(at).toISOString(), account: `A${n}`, terminal }),
});
const label = (n: number, terminal: string, at: number): Input => ({
  raw: Buffer.from(labelJson({ transaction_id: n, account: `A${n}`, label: 'fraud', at, source: 'chargebacks', terminal })),
  record: LABEL_RECORD,
  key: Buffer.from(`A${n}`),
});

async function run(inputs: readonly Input[], allowedLatenessMs = 30_000) {
  const rows: SuspiciousTransaction[] = [];
  const dead: DeadLetter[] = [];
  const judged: Judged[] = [];
  const acks = inputs.map(() => 0);
  const messages = inputs.map((input, offset) => ({ message: { ...input, ref: { source: 'transactions', partition: 0, offset }, time: 7 }, ack: () => acks[offset]!++ }));
  let error: unknown;
  try {
    await lastValueFrom(
      acknowledgedTransactions(from(messages), { suspicious: [memory(rows, 'memory:suspicious')], deadLetters: [memory(dead, 'memory:dead')] }, {
        book: book(),
        allowedLatenessMs,
        models: new ModelSlots(model),
        onJudged: (j) => judged.push(j),
      }).pipe(toArray()),
    );
  } catch (e) {
    error = e;
  }
  const features = (offset: number) => judged.find((j) => j.record.ref.offset === offset && (j.revision ?? 0) === 0)?.features;
  return { rows, dead, judged, acks, error, features };
}

describe('labels in the transactions topic', () => {
  it('step the rules that read labels, and are never scored, flagged or stored', async () => {
    const { rows, dead, acks, error, features, judged } = await run([
      tx(1, 'T', T0),
      label(1, 'T', T0 + DAY),
      tx(2, 'T', T0 + 2 * DAY),
      tx(3, 'U', T0 + 2 * DAY),
    ]);
    expect(error).toBeUndefined();
    expect(dead).toEqual([]);
    expect(acks).toEqual([1, 1, 1, 1]);
    expect(features(0)).toEqual({ terminal_frauds: 0 });
    expect(features(2), 'a fraud of terminal T, labelled before it').toEqual({ terminal_frauds: 1 });
    expect(features(3), 'another terminal').toEqual({ terminal_frauds: 0 });
    // the label event: judged as one (account, terminal, transaction_id, its time), never a row
    expect(judged[1]!.record.transaction).toMatchObject({ transaction_id: 1, account: 'A1', terminal: 'T', label: 'fraud', timestamp: new Date(T0 + DAY).toISOString() });
    expect(judged[1]!.model).toBeUndefined();
    expect(rows.map((r) => r.ref.offset)).toEqual([0, 2, 3]);
  });

  it('count a label behind the watermark from its place in the partition on, as it arrived', async () => {
    // the label says it was known at T0 + 1 s, but comes after a transaction of T0 + 2 days: far
    // behind the 30 s lateness. A late transaction is left out of the state; a label is not
    const { features, judged, error } = await run([tx(1, 'T', T0), tx(2, 'U', T0 + 2 * DAY), label(1, 'T', T0 + 1_000), tx(3, 'T', T0 + 2 * DAY + 1)]);
    expect(error).toBeUndefined();
    expect(judged.find((j) => j.record.ref.offset === 2)!.late).toBe(false);
    expect(features(3)).toEqual({ terminal_frauds: 1 });
  });

  it("are dead letters in another partition than their account's (murmur2 of the key, as the transactions')", () => {
    const input = label(1, 'T', T0);
    const home = partitionOf(input.key!, 4);
    const at = (partition: number) => parseLabelEvent({ ...input, partitions: 4, ref: { source: 'transactions', partition, offset: 3 }, time: 7 });
    expect(at(home)).toMatchObject({ ok: true, value: { transaction: { account: 'A1', label: 'fraud' } } });
    const elsewhere = (home + 1) % 4;
    const wrong = at(elsewhere);
    if (wrong.ok) throw new Error('a label in another partition was read');
    expect(wrong.dead.stage).toBe(PARSE_LABEL);
    expect(wrong.dead.reason).toContain(`is in partition ${elsewhere}, but murmur2 of its key puts the account's transactions in partition ${home} of 4`);
    expect(Buffer.from(wrong.dead.bytes!).equals(input.raw as Buffer)).toBe(true);
    // the live test (tests/cli/detectLiveLabels.test.ts) holds it to the broker's partitions of the transactions' producer
  });

  it('turn any record marked as one into a label event or a dead letter with its exact bytes, and never stop the stream', async () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    const validLabel = fc.record({
      transaction_id: fc.integer({ min: 0, max: 50 }),
      account: fc.constantFrom('A1', 'A2', 'B'),
      label: fc.constantFrom(...LABEL_KINDS),
      at: fc.integer({ min: T0, max: T0 + 10 * DAY }),
      source: text,
      terminal: fc.constantFrom('T', 'U'),
    });
    const value = fc.oneof(
      validLabel.map((l) => Buffer.from(labelJson(l))),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j) ?? 'null')),
      // a valid label with one field replaced by anything
      fc.tuple(validLabel, fc.constantFrom('transaction_id', 'account', 'label', 'at', 'terminal'), fc.jsonValue()).map(([l, field, v]) => Buffer.from(JSON.stringify({ ...JSON.parse(labelJson(l)), [field]: v }))),
    );
    const key = fc.option(fc.oneof(fc.constantFrom('A1', 'A2', 'B').map((k) => Buffer.from(k)), fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b))));
    const marked: fc.Arbitrary<Input> = fc.record({ raw: value, record: fc.oneof({ weight: 4, arbitrary: fc.constant(LABEL_RECORD) }, { weight: 1, arbitrary: text }), key });
    const transaction: fc.Arbitrary<Input> = fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom('T', 'U'), fc.integer({ min: T0, max: T0 + 10 * DAY })).map(([n, t, at]) => tx(n, t, at));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(marked, transaction), { minLength: 1, maxLength: 30 }), async (inputs) => {
        const { rows, dead, judged, acks, error } = await run(inputs);
        expect(error).toBeUndefined();
        expect(acks.every((n) => n === 1), `acknowledged once each: ${acks.join(',')}`).toBe(true);
        inputs.forEach((input, offset) => {
          if (input.record === undefined) return;
          const bytes = input.raw as Buffer;
          const parsed = parseLabelRecord(input.key ?? null, bytes, { source: 'transactions', partition: 0, offset }, 7);
          const deadHere = dead.filter((d) => d.ref.offset === offset);
          expect(rows.some((r) => r.ref.offset === offset), `offset ${offset} is no row`).toBe(false);
          if (parsed.ok && input.record === LABEL_RECORD) {
            expect(deadHere).toEqual([]);
            const event = judged.find((j) => j.record.ref.offset === offset && (j.revision ?? 0) === 0);
            expect(event?.record.transaction).toMatchObject({ label: parsed.value.label, transaction_id: parsed.value.transaction_id, account: parsed.value.account });
            return;
          }
          expect(deadHere).toHaveLength(1);
          expect(deadHere[0]!.stage).toBe(PARSE_LABEL);
          expect(deadHere[0]!.reason.length).toBeGreaterThan(0);
          expect(Buffer.from(deadHere[0]!.bytes!).equals(bytes)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
