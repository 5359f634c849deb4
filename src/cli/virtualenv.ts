/**
 * A Python virtualenv (of `vigie train`, of a benchmark), filled from a pinned requirements file: reused when every
 * pinned package is installed at its version, created or completed by pip (from PyPI) otherwise.
 * The system Python is left alone. Any step failing rejects with an Error naming it and its last
 * lines of output, for the command or the bench to report as a failure.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from './command.ts';
import { progress } from './progress.ts';

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Exits 1 naming the first `name==version` line of the file (argv[1]) not installed at that version. */
const CHECK = `
import sys, importlib.metadata as m
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if not line: continue
    name, version = line.split('==')
    try: found = m.version(name)
    except m.PackageNotFoundError: found = None
    if found != version: sys.exit(f'{name} {found or "missing"}, {version} wanted')
`;

/**
 * The virtualenv's python, once `requirements` (pinned `name==version` lines) are all installed in `venv`.
 * `who` starts the lines it prints (`bench`, `vigie train`).
 */
export async function ensureVirtualenv(venv: string, requirements: string, who = 'vigie'): Promise<string> {
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(python) && (await run(python, ['-c', CHECK, requirements])).code === 0) return python;
  if (!existsSync(python)) {
    console.error(`${who}: creating a Python virtualenv in ${path.relative(projectRoot, venv)}`);
    const created = await run('python3', ['-m', 'venv', venv]).catch((error: Error) => {
      throw new Error(`python3 is not available (${error.message})`);
    });
    if (created.code !== 0) throw new Error(`python3 -m venv failed (exit ${created.code}): ${created.tail}`);
  }
  const file = path.relative(projectRoot, requirements);
  const bar = progress(`${who}: pip install -r ${file} (from PyPI, once), lines of pip output`);
  let lines = 0;
  const pip = await run(python, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', requirements], { onLine: () => bar.update(++lines) });
  bar.finish();
  if (pip.code !== 0) throw new Error(`pip install -r ${file} failed (exit ${pip.code}): ${pip.tail}`);
  const checked = await run(python, ['-c', CHECK, requirements]);
  if (checked.code !== 0) throw new Error(`pip installed ${file}, but not at its versions: ${checked.tail}`);
  return python;
}
