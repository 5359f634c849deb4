/**
 * `bin/vigie`, the launcher `npx vigie` and `npm start` go through: it runs vigie in a bounded
 * heap (VIGIE_HEAP_MB, 1024 by default) unless NODE_OPTIONS already sets one, `vigie detect`
 * with a larger young generation (VIGIE_SEMI_SPACE_MB, 32 MB semi-spaces), and it works
 * through a symbolic link, as npm installs it in node_modules/.bin. A preloaded script reports
 * the heap limit Node actually got.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'vigie-launcher-'));
const probe = join(dir, 'heap.cjs');
writeFileSync(probe, "process.stderr.write(`heap limit ${require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20} MB\\n`);\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the launcher with `--help`; resolves with its exit code, its output and the heap limit Node reported (MB). */
function launch(path: string, env: Record<string, string>, before: readonly string[] = []): Promise<{ code: number | null; output: string; heapMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, [...before, '--help'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output, heapMb: Number(/heap limit ([\d.]+) MB/.exec(output)?.[1]) }));
  });
}

// The limit Node reports is the old space asked for plus its young generation (a few tens of MB).
const near = (heapMb: number, oldSpaceMb: number): boolean => heapMb >= oldSpaceMb && heapMb <= oldSpaceMb + 64;

describe('bin/vigie', () => {
  it('runs vigie in a 1024 MB heap by default', async () => {
    const run = await launch(join(root, 'bin/vigie'), { NODE_OPTIONS: `--require ${probe}`, VIGIE_HEAP_MB: '' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/Usage: vigie/);
    expect(near(run.heapMb, 1024), `${run.heapMb} MB`).toBe(true);
  });

  it('takes the heap from VIGIE_HEAP_MB, and leaves a heap set in NODE_OPTIONS alone', async () => {
    const set = await launch(join(root, 'bin/vigie'), { NODE_OPTIONS: `--require ${probe}`, VIGIE_HEAP_MB: '300' });
    expect(near(set.heapMb, 300), `${set.heapMb} MB`).toBe(true);
    const given = await launch(join(root, 'bin/vigie'), { NODE_OPTIONS: `--require ${probe} --max-old-space-size=200`, VIGIE_HEAP_MB: '300' });
    expect(near(given.heapMb, 200), `${given.heapMb} MB`).toBe(true);
  });

  it('gives `vigie detect` 32 MB semi-spaces (VIGIE_SEMI_SPACE_MB), and leaves one set in NODE_OPTIONS alone', async () => {
    const env = { NODE_OPTIONS: `--require ${probe}`, VIGIE_HEAP_MB: '' };
    const [other, detect, asked, given] = await Promise.all([
      launch(join(root, 'bin/vigie'), env),
      launch(join(root, 'bin/vigie'), env, ['detect']),
      launch(join(root, 'bin/vigie'), { ...env, VIGIE_SEMI_SPACE_MB: '16' }, ['detect']),
      launch(join(root, 'bin/vigie'), { ...env, NODE_OPTIONS: `--require ${probe} --max-semi-space-size=16` }, ['detect']),
    ]);
    expect(detect.code, detect.output).toBe(0);
    // the limit counts the young generation: three semi-spaces (V8's default 16 MB each)
    expect(detect.heapMb - other.heapMb).toBe(3 * (32 - 16));
    expect(asked.heapMb).toBe(other.heapMb);
    expect(given.heapMb).toBe(other.heapMb);
  }, 120_000);

  it('finds vigie through a symbolic link, as npm installs it', async () => {
    const link = join(dir, 'vigie');
    symlinkSync(join(root, 'bin/vigie'), link);
    const run = await launch(link, { NODE_OPTIONS: `--require ${probe}` });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/Usage: vigie/);
  });

  it('runs the compiled CLI, and without a build says in one line what to type', async () => {
    // A copy of the launcher in a folder without dist/, as a clone before `npm install`.
    mkdirSync(join(dir, 'clone', 'bin'), { recursive: true });
    copyFileSync(join(root, 'bin/vigie.js'), join(dir, 'clone', 'bin', 'vigie.js'));
    const run = await launch(process.execPath, { NODE_OPTIONS: '' }, [join(dir, 'clone', 'bin', 'vigie.js')]);
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe(`vigie: ${join(dir, 'clone', 'dist', 'cli', 'main.js')} is missing: run \`npm run build\` in ${join(dir, 'clone')}/`);
  });
});
