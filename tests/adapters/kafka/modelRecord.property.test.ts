/**
 * The models' control topic, its input path generated: any key and bytes give a change of a role
 * or a refusal with its reason and its dead letter (stage `parse-model`, the exact bytes), never
 * a throw, and a refusal leaves the models (and the rule book) as they were. A model's feature rules that clash with the rules in force are refused by name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyModelRecord, describeModelOutcome, modelRecordValue } from '../../../src/adapters/kafka/modelRecord.ts';
import { ModelSlots } from '../../../src/models/modelSlots.ts';
import { readFraudModel } from '../../../src/models/fraudModel.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import { tinyModelFile } from '../../helpers/models.ts';

const record = (key: string | Buffer | null, value: string | Buffer | null, offset = 0) => ({
  partition: 0,
  offset: String(offset),
  key: typeof key === 'string' ? Buffer.from(key) : key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  timestamp: '0',
});

describe('applyModelRecord', () => {
  it('puts a model in its role, empties a role on a tombstone', () => {
    const slots = new ModelSlots();
    const book = new RuleBook();
    const shadow = applyModelRecord(slots, book, 'm', record('shadow', modelRecordValue('shadow', tinyModelFile({ version: 's1' }))));
    expect(describeModelOutcome(shadow)).toBe('models: shadow s1 threshold 0.5, 2 features (m/0@0)');
    expect(slots.shadow?.version).toBe('s1');
    expect(book.list().map((v) => v.id)).toEqual(['feature.f-amount', 'feature.f-count']);
    expect(describeModelOutcome(applyModelRecord(slots, book, 'm', record('shadow', null, 1)))).toBe('models: shadow emptied (m/0@1)');
    expect(slots.shadow).toBeUndefined();
  });

  it('turns any key and bytes into a change or a refusal with a reason; a refusal changes nothing', () => {
    const current = readFraudModel(tinyModelFile({ version: 'c1' }));
    const valid = modelRecordValue('current', tinyModelFile({ version: 'c2' }));
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((j) => JSON.stringify(j) ?? 'null'),
      fc.constantFrom('shadow', 'current').chain((role) => fc.jsonValue().map((model) => JSON.stringify({ role, model }))),
      // a model file with one field replaced by anything
      fc.tuple(fc.constantFrom('version', 'threshold', 'features', 'featureRules', 'booster', 'format'), fc.jsonValue()).map(([field, v]) => modelRecordValue('shadow', { ...tinyModelFile(), [field]: v })),
      fc.constant(JSON.stringify({ role: 'shadow', model: '/etc/passwd' })),
      fc.constant(valid),
    );
    const key = fc.option(fc.oneof(fc.constantFrom('current', 'shadow'), fc.string({ maxLength: 10 })).map((k) => Buffer.from(k)));
    fc.assert(
      fc.property(key, fc.option(value), (k, v) => {
        const slots = new ModelSlots(current);
        const book = RuleBook.of(tinyModelFile().featureRules);
        const outcome = applyModelRecord(slots, book, 'm', record(k, v));
        if (outcome.accepted) return;
        expect(outcome.reason.length).toBeGreaterThan(0);
        // its dead letter: the value's exact bytes, where it came from, the reason with the key
        expect(outcome.dead).toMatchObject({ stage: 'parse-model', ref: { source: 'm', partition: 0, offset: 0 } });
        expect(Buffer.from(outcome.dead.bytes!).equals(Buffer.from(v ?? ''))).toBe(true);
        expect(outcome.dead.reason).toBe(`key ${JSON.stringify(outcome.key)}: ${outcome.reason}`);
        expect(slots.current).toBe(current);
        expect(slots.shadow).toBeUndefined();
        expect(book.list()).toHaveLength(2);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a model given as a path, and one whose feature rules clash with the rules in force', () => {
    const slots = new ModelSlots();
    const book = RuleBook.of([{ id: 'feature.f-count', version: 1, value: { aggregate: 'count', window: '1h' }, feature: 'count_1h' }]);
    const path = applyModelRecord(slots, book, 'm', record('shadow', JSON.stringify({ role: 'shadow', model: '/etc/passwd' })));
    expect(path).toMatchObject({ accepted: false, reason: 'expected { "role": "shadow", "model": <a model file\'s JSON> } keyed by its role' });
    const clash = applyModelRecord(slots, book, 'm', record('shadow', modelRecordValue('shadow', tinyModelFile({ version: 's9' }))));
    expect(clash).toMatchObject({ accepted: false });
    expect(describeModelOutcome(clash)).toMatch(/^models: refused shadow \(m\/0@0\): model s9: its feature rules cannot run beside the rules in force: feature.f-count: a rule feature.f-count v1 is in force with another definition/);
    expect(slots.shadow).toBeUndefined();
    // a feature rule named as a judging rule (the default rules' amount) runs beside it
    const judging = RuleBook.of([{ id: 'f-amount', version: 1, value: { field: 'amount' }, compare: '>', limit: 10 }]);
    expect(applyModelRecord(slots, judging, 'm', record('current', modelRecordValue('current', tinyModelFile())))).toMatchObject({ accepted: true });
    expect(judging.list().map((v) => v.id)).toEqual(['f-amount', 'feature.f-amount', 'feature.f-count']);
    expect(applyModelRecord(slots, book, 'm', record('champion', '{}'))).toMatchObject({ accepted: false, reason: 'the key "champion" is not a role: expected current or shadow' });
  });
});
