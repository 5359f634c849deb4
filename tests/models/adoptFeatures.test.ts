/**
 * A model's feature rules joining a running flow's book (adoptFeatures, for `detect transactions
 * --model` and the models topic). A model whose features read labels is taken when the flow is fed
 * labels (forwarded into its transactions topic), and refused with `--labels-topic ''`: served
 * then, they would count no fraud where training (`vigie train fraud`, labels merged in at their
 * delay) counted them, and the model would score another thing than it learned.
 */
import { describe, expect, it } from 'vitest';
import { adoptFeatures, readFraudModel } from '../../src/models/index.ts';
import { readRuleFile } from '../../src/rules/ruleFile.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import { tinyModelFile } from '../helpers/models.ts';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const FED = { labelsFed: true } as const;

describe('adoptFeatures', () => {
  it('adds the feature rules of a model that reads no labels', () => {
    const book = RuleBook.of([]);
    adoptFeatures(book, readFraudModel(tinyModelFile()), FED);
    expect(book.list().length).toBe(2);
  });

  const file = tinyModelFile();
  const labelled = { ...file, featureRules: [...file.featureRules, { id: 'f-frauds', version: 1, value: { fraudLabels: { aggregate: 'count', window: '7d', delay: '7d' } }, feature: 'count_10min', key: ['terminal'] }] };

  it("refuses a model whose features read labels in a flow fed none (--labels-topic ''), naming them and why, and adds none of its rules", () => {
    const book = RuleBook.of([]);
    expect(() => adoptFeatures(book, readFraudModel(labelled), { labelsFed: false })).toThrow(/count_10min read labels \(fraudLabels\), and this flow is fed none \(--labels-topic ''\)/);
    expect(book.list()).toEqual([]);
  });

  it('takes a model whose features read labels in a flow fed labels', () => {
    const book = RuleBook.of([]);
    adoptFeatures(book, readFraudModel(labelled), FED);
    expect(book.list().map((v) => v.id)).toContain('feature.f-frauds');
  });

  it("takes the default feature file, and the Handbook one only with labels fed", () => {
    const features = (file: string) => readRuleFile(path.join(root, 'rules', file));
    const withRules = (file: string) => ({ ...tinyModelFile(), featureRules: features(file), features: features(file).map((r) => r.feature!) });
    expect(() => adoptFeatures(RuleBook.of([]), { version: 'default', file: withRules('features.json') } as never, { labelsFed: false })).not.toThrow();
    expect(() => adoptFeatures(RuleBook.of([]), { version: 'handbook', file: withRules('handbook-features.json') } as never, { labelsFed: false })).toThrow(/terminal_frauds_1d/);
    expect(() => adoptFeatures(RuleBook.of([]), { version: 'handbook', file: withRules('handbook-features.json') } as never, FED)).not.toThrow();
  });
});
