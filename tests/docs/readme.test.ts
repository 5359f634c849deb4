/**
 * The README is a newcomer's page, read in five minutes (issue 20: it had grown to 1 244 lines);
 * the rest lives in docs/. And its commands are the ones CI runs: `.ci/run` runs `npm run setup`'s
 * script, then `npm test`, exactly as the README tells a person to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellCommands, splitCode } from '../helpers/markdown.ts';

const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md', () => {
  it('is at most 250 lines', () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    expect(lines, 'README.md is for a newcomer: move the details to a page of docs/ and link to it').toBeLessThanOrEqual(250);
  });

  it('gives the two commands to start and to test, and CI runs the test commands it gives', () => {
    const commands = splitCode(readme).blocks.flatMap((b) => shellCommands(b).map((c) => c.argv.join(' ')));
    expect(commands).toContain('npm ci');
    expect(commands).toContain('npm start');
    expect(commands).toContain('npm run setup');
    expect(commands).toContain('npm test');
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const ci = readFileSync(join(root, '.ci/run'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
    expect(ci).toEqual([scripts['setup'], 'npm test']);
  });
});
