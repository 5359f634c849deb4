/**
 * docs/detection-quality.md quotes each detector's NAB standard score twice (the table that helps
 * choose `--detector`, and the scoreboard); `--help` gives the catalogue's own figure. They must
 * agree, or a newcomer chooses on a stale number.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vigieProgram } from '../../src/cli/program.ts';

const page = readFileSync(new URL('../../docs/detection-quality.md', import.meta.url), 'utf8');

/** `name (NAB 72.26)` pairs of `vigie start --help`'s --detector. */
function helpScores(): Record<string, string> {
  const start = vigieProgram().commands.find((c) => c.name() === 'start')!;
  const detector = start.options.find((o) => o.long === '--detector')!;
  return Object.fromEntries([...detector.description.matchAll(/([a-z+-]+) \(NAB (\d+\.\d\d)\)/g)].map((m) => [m[1]!, m[2]!]));
}

describe("docs/detection-quality.md's NAB scores", () => {
  const scores = helpScores();

  it('are those --help gives, in the table that helps choose --detector', () => {
    expect(Object.keys(scores).length).toBeGreaterThanOrEqual(7);
    const table: Record<string, string> = {};
    for (const m of page.matchAll(/^\| ((?:`[a-z+-]+`(?:, )?)+) \| ([\d., ]+) \|/gm)) {
      const names = [...m[1]!.matchAll(/`([a-z+-]+)`/g)].map((n) => n[1]!);
      const values = m[2]!.split(',').map((v) => v.trim());
      names.forEach((name, i) => (table[name] = values[i]!));
    }
    expect(table).toEqual(scores);
  });

  it("are those --help gives, on the scoreboard's standard profile", () => {
    const board = Object.fromEntries([...page.matchAll(/^\| \d+ \| \*\*vigie ([a-z+-]+)\*\* \| (\d+\.\d\d) \|/gm)].map((m) => [m[1]!, m[2]!]));
    expect(board).toEqual(scores);
  });
});
