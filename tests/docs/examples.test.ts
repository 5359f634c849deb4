/**
 * A flow the docs show whole (a TypeScript block with `export function NAME`) is
 * examples/src/NAME.ts word for word, but for the file's doc comment: that file is what
 * tests/examples/package.test.ts compiles with --strict against the packed package and runs on a
 * real broker and database, so the code a newcomer copies from the README is code that works
 * (issue 20: the README of d418ce4 showed an acknowledgement API the code no longer had).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitCode } from '../helpers/markdown.ts';

const root = new URL('../../', import.meta.url).pathname;
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

const shown = PAGES.flatMap((page) =>
  splitCode(readFileSync(join(root, page), 'utf8'))
    .blocks.filter((b) => b.lang === 'ts' && /export function \w+/.test(b.text))
    .map((b) => ({ page, line: b.line, name: /export function (\w+)/.exec(b.text)![1]!, code: `${b.text}\n` })),
);

describe("the docs' whole flows", () => {
  it('include the README\'s', () => {
    expect(shown.filter((s) => s.page === 'README.md').map((s) => s.name)).toEqual(['sensorAlarms']);
  });

  it.each(shown.map((s) => [`${s.page}:${s.line} ${s.name}`, s] as const))('%s is examples/src/ word for word', (_, { name, code }) => {
    const file = join(root, 'examples/src', `${name}.ts`);
    expect(existsSync(file), `${file}: the docs show ${name} whole, so it must be an example the suite compiles and runs`).toBe(true);
    const example = readFileSync(file, 'utf8').replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    expect(code, `the docs' ${name} differs from examples/src/${name}.ts: copy one onto the other`).toBe(example);
  });
});
