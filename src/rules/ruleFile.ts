/**
 * A file of rules as a person writes it, for `detect transactions --rules-file` and
 * `vigie rules add`: a rule set `{ "rules": [...] }` or a single rule. Every rule is checked
 * (schema and meaning) and every refusal is given, each naming the rule and the path of what is
 * wrong in it, so that one reading of the message mends the file.
 */
import { readFileSync } from 'node:fs';
import { VigieError } from '../errors.ts';
import { compileRule } from './compile.ts';
import { type Rule, checkRule } from './schema.ts';

/** The rules of `text`, or every reason they are not all valid. */
export function checkRuleFile(text: string): { readonly ok: true; readonly rules: readonly Rule[] } | { readonly ok: false; readonly reasons: readonly string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reasons: [`not JSON: ${(error as Error).message}`] };
  }
  const set = json !== null && typeof json === 'object' && !Array.isArray(json) && 'rules' in json;
  const items: unknown[] = set ? ((json as { rules: unknown }).rules as unknown[]) : [json];
  if (set) {
    if (!Array.isArray(items)) return { ok: false, reasons: ['rules: expected an array of rules'] };
    const others = Object.keys(json as object).filter((key) => key !== 'rules');
    if (others.length > 0) return { ok: false, reasons: [`(the file): unknown key ${others.join(', ')}; a rule set is { "rules": [...] }`] };
  }
  const reasons: string[] = [];
  const rules: Rule[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = `${set ? `rules.${i}` : 'the rule'}${typeof (item as { id?: unknown })?.id === 'string' ? ` (${(item as { id: string }).id})` : ''}`;
    const checked = checkRule(item);
    if (!checked.ok) return void reasons.push(`${name}: ${checked.reason}`);
    const compiled = compileRule(checked.value);
    if (!compiled.ok) return void reasons.push(`${name}: ${compiled.reason}`);
    if (seen.has(checked.value.id)) return void reasons.push(`${name}: a second rule with the id ${checked.value.id}`);
    seen.add(checked.value.id);
    rules.push(checked.value);
  });
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, rules };
}

/** The rules of the file at `path`; FILE_INVALID naming the file and every reason otherwise. */
export function readRuleFile(path: string): readonly Rule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new VigieError('FILE_INVALID', `cannot read the rule file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: { file: path } });
  }
  const checked = checkRuleFile(text);
  if (!checked.ok) throw new VigieError('FILE_INVALID', `invalid rules in ${path}:\n  ${checked.reasons.join('\n  ')}`);
  return checked.rules;
}
