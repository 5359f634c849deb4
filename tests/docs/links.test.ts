/**
 * Every relative link of README.md and docs/*.md leads somewhere (a file that exists, and for a
 * page an anchor that GitHub makes of one of its headings), and every `vigie …` command of their
 * code blocks is one the CLI takes: its subcommand exists and each of its flags is an option of
 * it, as the real commander program parses them (its actions replaced by nothing, so nothing
 * runs). `npm run X` must name a script of package.json. Issue 20: the README of d418ce4 showed an
 * acknowledgement API the code no longer had; a page that drifts from the CLI fails here.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { vigieProgram } from '../../src/cli/program.ts';
import { anchors, links, shellCommands, splitCode } from '../helpers/markdown.ts';

const root = new URL('../../', import.meta.url).pathname;
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const CODE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'json']);
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** What is wrong with a link from `page`, or undefined. */
function brokenLink(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:
  const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
  if (file.startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(join(root, file))) return `${file} does not exist`;
  if (anchor === undefined || statSync(join(root, file)).isDirectory()) return undefined;
  if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not a page`;
  const known = anchors(readFileSync(join(root, file), 'utf8'));
  return known.has(anchor) ? undefined : `${file} has no heading whose anchor is #${anchor} (it has: ${[...known].map((a) => `#${a}`).join(' ')})`;
}

/** The CLI, quiet and harmless: errors thrown instead of exiting, help not printed, no action run. */
function dryProgram(): Command {
  const program = vigieProgram();
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    if (command.commands.length === 0) command.action(() => {});
    command.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

/** Why `vigie ...args` would not parse, or undefined. */
async function badCommand(args: readonly string[]): Promise<string | undefined> {
  try {
    await dryProgram().parseAsync([...args], { from: 'user' });
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? undefined : message.trim();
  }
}

/** The vigie arguments of a command line (`npx vigie …`, `bin/vigie …`, `vigie …`), or undefined. */
function vigieArgs(argv: readonly string[]): string[] | undefined {
  if (argv[0] === 'npx' && argv[1] === 'vigie') return argv.slice(2);
  if (argv[0] === 'vigie' || /(^|\/)bin\/vigie$/.test(argv[0]!)) return argv.slice(1);
  return undefined;
}

describe('the docs', () => {
  it.each(PAGES)('%s: every relative link leads to a file, and every anchor to a heading', (page) => {
    const broken = links(readFileSync(join(root, page), 'utf8')).flatMap(({ target, line }) => {
      const why = brokenLink(page, target);
      return why === undefined ? [] : [`${page}:${line}: ${why}`];
    });
    expect(broken).toEqual([]);
  });

  it.each(PAGES)('%s: every `vigie …` and `npm run …` command of its code blocks is one the CLI and package.json take', async (page) => {
    const bad: string[] = [];
    let vigieCommands = 0;
    for (const block of splitCode(readFileSync(join(root, page), 'utf8')).blocks.filter((b) => !CODE_LANGS.has(b.lang))) {
      for (const { argv, line } of shellCommands(block)) {
        const args = vigieArgs(argv);
        if (args !== undefined) {
          vigieCommands++;
          const why = await badCommand(args);
          if (why !== undefined) bad.push(`${page}:${line}: vigie ${args.join(' ')}: ${why}`);
        } else if (argv[0] === 'npm' && argv[1] === 'run' && !(argv[2]! in scripts)) bad.push(`${page}:${line}: npm run ${argv[2]}: no such script in package.json`);
      }
    }
    expect(bad).toEqual([]);
    if (page === 'README.md') expect(vigieCommands, 'the README shows vigie commands: the parser found none').toBeGreaterThan(3);
  });

  it('the checks themselves catch a broken link, an unknown flag and an unknown command', async () => {
    expect(brokenLink('README.md', 'docs/nowhere.md')).toBe('docs/nowhere.md does not exist');
    expect(brokenLink('README.md', 'docs/reliability.md#no-such-heading')).toMatch(/^docs\/reliability\.md has no heading whose anchor is #no-such-heading/);
    expect(brokenLink('docs/state.md', 'reliability.md#npm-run-chaos')).toBeUndefined();
    expect(await badCommand(['detect', 'sensors', '--no-such-flag'])).toMatch(/unknown option '--no-such-flag'/);
    expect(await badCommand(['detect', 'sensorz'])).toMatch(/unknown command 'sensorz'/);
    expect(await badCommand(['bridge', '--baud', '9600'])).toMatch(/required option '--serial <path>' not specified/);
    expect(await badCommand(['detect', 'sensors', '--topic', 'a,b', '--detector', 'contextual+art'])).toBeUndefined();
    expect(relative(root, join(root, 'docs', '..', 'README.md'))).toBe('README.md');
  });
});
