/**
 * `vigie rules test`'s draft file, property-based: any text is either a rule set or one rule,
 * read whole, or refused with a VigieError naming the file and the path of what is wrong, never
 * another error; and the draft's methods always hold the two sets, each live rule, and each rule
 * the draft adds or changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VigieError } from '../../src/errors.ts';
import { draftMethods, parseDraft } from '../../src/evaluation/draftRules.ts';
import { defaultRuleFile } from '../../src/rules/defaultRules.ts';
import type { Rule } from '../../src/rules/schema.ts';

const FILE = 'drafts/try.json';

const rule = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  version: fc.integer({ min: 1, max: 5 }),
  value: fc.oneof(
    fc.constant({ field: 'amount' }),
    fc.record({ aggregate: fc.constantFrom('count'), window: fc.constantFrom('10min', '1h') }),
    fc.record({ aggregate: fc.constantFrom('sum', 'mean', 'max', 'distinct'), field: fc.constantFrom('amount', 'terminal'), window: fc.constantFrom('10min', '1h') }),
  ),
  compare: fc.constantFrom('>', '>=', '<', '<='),
  limit: fc.integer({ min: 1, max: 100_000 }),
}) as fc.Arbitrary<Rule>;

/** A way to spoil a rule, and the path the reason must name. */
const spoilt = fc.oneof(
  rule.map((r) => ({ json: { ...r, version: 0 }, path: 'version' })),
  rule.map((r) => ({ json: { ...r, compare: '=' }, path: 'compare' })),
  rule.map((r) => ({ json: { ...r, value: { aggregate: 'count', window: '10 minutes' } }, path: 'value.window' })),
  rule.map((r) => ({ json: { ...r, extra: 1 }, path: '(the rule)' })),
  rule.map((r) => ({ json: { rules: [r, { ...r, id: `${r.id}x`, limit: 'high' }] }, path: 'rules.1.limit' })),
);

describe('draft rules, property-based', () => {
  it('reads a rule set or one rule whole', () => {
    fc.assert(
      fc.property(fc.uniqueArray(rule, { selector: (r) => r.id, minLength: 1, maxLength: 8 }), fc.boolean(), (rules, asSet) => {
        const text = JSON.stringify(asSet || rules.length > 1 ? { rules } : rules[0]);
        expect(parseDraft(text, FILE)).toEqual(asSet || rules.length > 1 ? rules : [rules[0]]);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses anything else with a VigieError naming the file and what is wrong', () => {
    fc.assert(
      fc.property(fc.oneof(spoilt.map(({ json, path }) => ({ text: JSON.stringify(json), path })), fc.string().map((text) => ({ text, path: '' }))), ({ text, path }) => {
        let parsed: Rule[] | undefined;
        try {
          parsed = parseDraft(text, FILE);
        } catch (error) {
          expect(error).toBeInstanceOf(VigieError);
          expect((error as VigieError).code).toBe('FILE_INVALID');
          expect((error as Error).message).toMatch(new RegExp(`^${FILE}: `));
          if (path !== '') expect((error as Error).message).toContain(`${path}: `);
          return;
        }
        // only a random string that happens to be a rule gets here
        expect(path).toBe('');
        expect(parsed.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the two sets, each live rule and each rule the draft adds or changes', () => {
    const live = defaultRuleFile();
    fc.assert(
      fc.property(fc.uniqueArray(rule, { selector: (r) => r.id, maxLength: 6 }), (draft) => {
        // a draft rule of a live id comes at the next version, as it must to be taken
        const taken = draft.map((r) => (live.some((l) => l.id === r.id) ? { ...r, version: 2 } : r));
        const names = Object.keys(draftMethods(live, taken).methods);
        expect(names.slice(0, 2)).toEqual(['live', 'draft']);
        expect(names.filter((n) => n.startsWith('live:'))).toEqual(live.map((r) => `live:${r.id}`));
        expect(names.filter((n) => n.startsWith('draft:')).sort()).toEqual(taken.map((r) => `draft:${r.id}`).sort());
      }),
      { numRuns: 200 },
    );
  });
});
