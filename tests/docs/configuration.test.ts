/**
 * docs/configuration.md's tables are generated from the `vigie` command's own options
 * (scripts/docs-config.ts), so that the page cannot drift from `--help`: a flag added, renamed,
 * or given another default or variable in src/cli/ fails here until the page is generated again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_PAGE, configurationPage } from '../../scripts/docs-config.ts';
import { vigieProgram } from '../../src/cli/program.ts';

describe('docs/configuration.md', () => {
  const committed = readFileSync(CONFIGURATION_PAGE, 'utf8');

  it('is what `npm run docs:config` writes from the CLI', () => {
    expect(committed, 'docs/configuration.md differs from the CLI\'s options: run `npm run docs:config` and commit docs/configuration.md').toBe(configurationPage(committed));
  });

  it('names every option of every command', () => {
    const missing: string[] = [];
    const walk = (command: ReturnType<typeof vigieProgram>): void => {
      for (const sub of command.commands) {
        walk(sub);
        for (const option of sub.options) if (!option.hidden && !committed.includes(`\`${option.long}`)) missing.push(`${sub.name()} ${option.long}`);
      }
    };
    walk(vigieProgram());
    expect(missing).toEqual([]);
  });
});
