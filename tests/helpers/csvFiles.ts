/**
 * Numbered CSV files in a temporary folder removed after the test file: what the adapters'
 * property tests write each generated case to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** `write(text)` puts `text` in a new file `<name>-<n>.csv` and returns its path. */
export function csvFiles(name: string): { readonly dir: string; readonly write: (text: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), `vigie-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  return {
    dir,
    write: (text) => {
      const file = path.join(dir, `${name}-${files++}.csv`);
      writeFileSync(file, text);
      return file;
    },
  };
}
