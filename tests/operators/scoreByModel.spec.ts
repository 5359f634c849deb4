import { describe, expect, it } from 'vitest';
import { from } from 'rxjs';
import { readFraudModel } from '../../src/models/fraudModel.ts';
import { ModelSlots } from '../../src/models/modelSlots.ts';
import { scoreByModel } from '../../src/operators/scoreByModel.ts';
import type { Judged } from '../../src/operators/rules/judged.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';
import { tinyModelFile } from '../helpers/models.ts';
import { judged, tx } from './rules/records.ts';

const model = readFraudModel(tinyModelFile({ version: 'm1', threshold: 0.5 }));
const shadowModel = readFraudModel(tinyModelFile({ version: 'm2', threshold: 0.3 }));
const withFeatures = (j: Judged, amount: number | null, count: number | null): Judged => ({ ...j, features: { amount, count_10min: count } });
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('scoreByModel', () => {
  // a: small amount, first of its account: 0.047; b: a large amount: 0.73; c: a rule fired, small: 0.38 (count 5)
  const a = withFeatures(judged(tx(0, 0, { amount: 100 })), 100, 1);
  const b = withFeatures(judged(tx(1, 10, { amount: 15_000 })), 15_000, 1);
  const c = withFeatures({ ...judged(tx(2, 20, { amount: 200 })), reasons: ['frequency>4/10min'], score: 1.25 }, 200, 5);

  it('flags at or above the threshold; what is stored carries the score and version, and the top features of what the model flagged (the doc example)', marbles((m) => {
    const pb = sigmoid(Math.fround(Math.fround(0 + 2) - 1));
    const pc = sigmoid(Math.fround(Math.fround(0 - 2) + 1.5));
    const B = { ...b, reasons: ['model>=0.5'], score: pb / 0.5, model: { version: 'm1', score: pb, threshold: 0.5, top: model.contributions(b.features!).slice(0, 3) } };
    const C = { ...c, model: { version: 'm1', score: pc, threshold: 0.5 } };
    m.expect(m.cold('-a-b-c-|', { a, b, c }).pipe(scoreByModel(new ModelSlots(model)))).toBeObservable('-a-B-C-|', { a, B, C });
    expect(B.model.top.map((t) => t.feature)).toEqual(['amount', 'count_10min']);
    expect(B.model.top[0]!.contribution).toBeGreaterThan(0);
  }));

  it('passes a label event as it came: it feeds the features, it is no transaction to score', marbles((m) => {
    // features that would flag a transaction (0.73 >= 0.5)
    const label = withFeatures(judged(tx(3, 30, { label: 'fraud', amount: 0 })), 15_000, 1);
    m.expect(m.cold('-l-b-|', { l: label, b }).pipe(scoreByModel(new ModelSlots(model), { measure: () => {} }))).toBeObservable('-l-B-|', {
      l: label,
      B: expect.objectContaining({ reasons: ['model>=0.5'] }),
    });
  }));

  it('scores a shadow beside the current model; only the current one decides', marbles((m) => {
    const slots = new ModelSlots(model);
    slots.set('shadow', shadowModel);
    const out: Judged[] = [];
    m.cold('-a-c-|', { a, c }).pipe(scoreByModel(slots)).subscribe((j) => out.push(j));
    m.flush();
    // a scores 0.047 by both: not stored, nothing added; c: both scores, no model reason (0.38 < 0.5) though the shadow's threshold is 0.3
    expect(out[0]).toBe(a);
    expect(out[1]!.reasons).toEqual(['frequency>4/10min']);
    expect(out[1]!.shadow).toEqual({ version: 'm2', score: shadowModel.score(c.features!), threshold: 0.3 });
    expect(out[1]!.model!.version).toBe('m1');
  }));

  it('reads the slots at each transaction: a promoted model scores the next one', () => {
    const slots = new ModelSlots(model);
    slots.set('shadow', readFraudModel(tinyModelFile({ version: 'm3', threshold: 0.3 })));
    const seen: (string | undefined)[] = [];
    const operator = scoreByModel(slots);
    from([c]).pipe(operator).subscribe((j) => seen.push(j.model?.version));
    expect(slots.promote()).toBe(true);
    from([c]).pipe(operator).subscribe((j) => seen.push(`${j.model?.version} ${j.reasons.join(',')}`));
    expect(seen).toEqual(['m1', 'm3 frequency>4/10min,model>=0.3']);
    expect(slots.shadow).toBeUndefined();
    expect(slots.promote()).toBe(false);
  });

  it('passes a record without features, or every record without a current model, as it came', marbles((m) => {
    const bare = judged(tx(3, 30, { amount: 50_000 }));
    m.expect(m.cold('-x-|', { x: bare }).pipe(scoreByModel(new ModelSlots(model)))).toBeObservable('-x-|', { x: bare });
    m.expect(m.cold('-b-|', { b }).pipe(scoreByModel(new ModelSlots()))).toBeObservable('-b-|', { b });
  }));

  it('passes completion and an error on', marbles((m) => {
    m.expect(m.cold('-a-|', { a }).pipe(scoreByModel(new ModelSlots(model)))).toBeObservable('-a-|', { a });
    m.expect(m.cold('-a-#', { a }).pipe(scoreByModel(new ModelSlots(model)))).toBeObservable('-a-#', { a });
  }));

  it('sends a throw while scoring to the stream as an error', () => {
    const broken = { ...model, score: () => { throw new Error('bad model'); } };
    const seen: unknown[] = [];
    from([a, b]).pipe(scoreByModel(new ModelSlots(broken))).subscribe({ next: (j) => seen.push(j), error: (e: Error) => seen.push(e.message) });
    expect(seen).toEqual(['bad model']);
  });

  it('tells how long each scoring took when asked', () => {
    const times: number[] = [];
    from([a, b, c]).pipe(scoreByModel(new ModelSlots(model), { measure: (ms) => times.push(ms) })).subscribe();
    expect(times).toHaveLength(3);
    expect(times.every((t) => t >= 0)).toBe(true);
    // nothing timed without a model
    from([a, b]).pipe(scoreByModel(new ModelSlots(), { measure: (ms) => times.push(ms) })).subscribe();
    expect(times).toHaveLength(3);
  });

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(scoreByModel(new ModelSlots(model))), subs).toBeObservable('-a-', { a });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(scoreByModel(new ModelSlots(model)), (i) => withFeatures(judged(tx(i, i)), 20_000, 9), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('refuses a top that is not a whole number', () => {
    expect(() => scoreByModel(new ModelSlots(model), { top: -1 })).toThrow('scoreByModel: top must be a whole number >= 0, got -1');
  });
});
