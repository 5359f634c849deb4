/**
 * One name per type, one type per name, across src/: a shape declared under two names (a sink's
 * `Refused` and the acknowledgements' `Refusal` were one) leaves a reader asking how they
 * differ, and one name for two types (the rules' `Judged` and the bridge's) sends a search to
 * the wrong one. The declarations are read as text: TypeScript 7 has no compiler API to ask.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

interface Declaration {
  readonly name: string;
  readonly module: string;
  /** Its text after the name, comments and spacing dropped: equal bodies are one type. */
  readonly body: string;
}

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** From `from` to the end of the declaration: the closing brace of an interface, the `;` of a type, at depth 0. */
function declarationEnd(text: string, from: number, interfaceBody: boolean): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '(' || c === '[' || c === '<') depth++;
    else if (c === '}' || c === ')' || c === ']' || (c === '>' && text[i - 1] !== '=')) {
      depth--;
      if (interfaceBody && c === '}' && depth === 0) return i + 1;
    } else if (!interfaceBody && c === ';' && depth === 0) return i;
  }
  return text.length;
}

function declarations(): Declaration[] {
  const found: Declaration[] = [];
  for (const file of modules(SRC)) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const match of text.matchAll(/^(?:export )?(?:declare )?(interface|type) (\w+)/gm)) {
      const start = match.index + match[0].length;
      const body = text.slice(start, declarationEnd(text, start, match[1] === 'interface')).replace(/\s+/g, '');
      found.push({ name: match[2]!, module: relative(SRC, file), body });
    }
  }
  return found;
}

function groupBy<K>(items: readonly Declaration[], key: (d: Declaration) => K): Map<K, Declaration[]> {
  const groups = new Map<K, Declaration[]>();
  for (const d of items) groups.set(key(d), [...(groups.get(key(d)) ?? []), d]);
  return groups;
}

describe('type names', () => {
  const all = declarations();

  it('reads the declarations it judges', () => {
    expect(all.find((d) => d.name === 'Refused' && d.module === 'types.ts')?.body).toBe('<T>{readonlyitem:T;readonlyreason:string;}');
    expect(all.length).toBeGreaterThan(100);
  });

  it('gives no two types one name', () => {
    const byName = groupBy(all, (d) => d.name);
    const clashes = [...byName].filter(([, ds]) => new Set(ds.map((d) => d.body)).size > 1).map(([name, ds]) => `${name}: ${ds.map((d) => d.module).join(', ')}`);
    expect(clashes, clashes.join('\n')).toEqual([]);
  });

  it('gives no type two names', () => {
    // a body of a field or two (`{ name: string }`) says too little to call two types one
    const byBody = groupBy(all.filter((d) => d.body.split(';').length > 2), (d) => d.body);
    const aliases = [...byBody.values()].filter((ds) => new Set(ds.map((d) => d.name)).size > 1).map((ds) => ds.map((d) => `${d.name} (${d.module})`).join(' = '));
    expect(aliases, aliases.join('\n')).toEqual([]);
  });
});
