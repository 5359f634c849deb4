/**
 * docs/rules.md shows rules of the language: each JSON block that is a rule (it has an `id` and a
 * `value`) must be one the schema and the compiler take, and the default rule set must be the file
 * the page links to, every rule of it valid.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/rules/compile.ts';
import { defaultRuleFile } from '../../src/rules/defaultRules.ts';
import { checkRule } from '../../src/rules/schema.ts';
import { splitCode } from '../helpers/markdown.ts';

const page = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');

describe('docs/rules.md', () => {
  const rules = splitCode(page)
    .blocks.filter((b) => b.lang === 'json')
    .map((b) => ({ line: b.line, json: JSON.parse(b.text) as Record<string, unknown> }))
    .filter(({ json }) => 'id' in json && 'value' in json);

  it('shows rules the schema and the compiler take', () => {
    expect(rules.length).toBeGreaterThanOrEqual(2);
    for (const { line, json } of rules) {
      const checked = checkRule(json);
      expect(checked.ok ? 'ok' : checked.reason, `docs/rules.md:${line}`).toBe('ok');
      const compiled = compileRule((checked as { value: Parameters<typeof compileRule>[0] }).value);
      expect(compiled.ok ? 'ok' : compiled.reason, `docs/rules.md:${line}`).toBe('ok');
    }
  });

  it('lists the default rule set as rules/default.json has it', () => {
    const ids = defaultRuleFile().map((r) => r.id);
    expect(ids).toEqual(['amount', 'drain', 'frequency', 'travel', 'new-country', 'zscore']);
    for (const id of ids) expect(page, id).toContain(`| \`${id}\` |`);
  });
});
