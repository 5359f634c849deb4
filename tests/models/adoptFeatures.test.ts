/**
 * A model's feature rules joining a running flow's book (adoptFeatures, for `detect transactions
 * --model` and the models topic). A model whose features read labels is refused: detect does not
 * feed labels into its features yet, so served they would count no fraud where training (`vigie
 * train fraud`, labels merged in at their delay) counted them, and the model would score another
 * thing than it learned.
 */
import { describe, expect, it } from 'vitest';
import { adoptFeatures, readFraudModel } from '../../src/models/index.ts';
import { readRuleFile } from '../../src/rules/ruleFile.ts';
import { RuleBook } from '../../src/rules/ruleBook.ts';
import { tinyModelFile } from '../helpers/models.ts';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('adoptFeatures', () => {
  it('adds the feature rules of a model that reads no labels', () => {
    const book = RuleBook.of([]);
    adoptFeatures(book, readFraudModel(tinyModelFile()));
    expect(book.list().length).toBe(2);
  });

  it('refuses a model whose features read labels, naming them, and adds none of its rules', () => {
    const file = tinyModelFile();
    const labelled = { ...file, featureRules: [...file.featureRules, { id: 'f-frauds', version: 1, value: { fraudLabels: { aggregate: 'count', window: '7d', delay: '7d' } }, feature: 'count_10min', key: ['terminal'] }] };
    const book = RuleBook.of([]);
    expect(() => adoptFeatures(book, readFraudModel(labelled))).toThrow(/count_10min read labels \(fraudLabels\), which detect does not feed/);
    expect(book.list()).toEqual([]);
  });

  it('takes the default feature file and refuses the Handbook one', () => {
    const features = (file: string) => readRuleFile(path.join(root, 'rules', file));
    const withRules = (file: string) => ({ ...tinyModelFile(), featureRules: features(file), features: features(file).map((r) => r.feature!) });
    expect(() => adoptFeatures(RuleBook.of([]), { version: 'default', file: withRules('features.json') } as never)).not.toThrow();
    expect(() => adoptFeatures(RuleBook.of([]), { version: 'handbook', file: withRules('handbook-features.json') } as never)).toThrow(/terminal_frauds_1d/);
  });
});
