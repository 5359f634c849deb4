/**
 * `vigie simulate bank`'s options as a user types them: each wrong one is named with what was
 * expected (exit 2, nothing written); `--out -` writes the same bytes as a file, progress and the
 * summary going to stderr.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, vigie } from '../helpers/processes.ts';

afterAll(killAll);

describe('vigie simulate bank, its options', () => {
  it('names every bad option with what it expected, exits 2 and writes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigie-bank-options-'));
    try {
      const out = path.join(dir, 'bank.csv');
      const cases: [string[], RegExp[]][] = [
        [['--seed', 'abc', '--days', '0', '--start', '2026-02-30', '--out', out], [/--seed: expected an integer in \[0, 9007199254740991\], got "abc"/, /--days: expected an integer in \[1, 20000\], got "0"/, /--start: expected a date YYYY-MM-DD .*, got "2026-02-30"/]],
        [['--profile', 'paysim', '--out', out], [/--profile: expected one of handbook, cameroon, got "paysim"/]],
        [['--customers', '-5', '--out', out], [/--customers: expected an integer in \[1, 10000000\], got "-5"/]],
        [[], [/give --out FILE\.csv \(or --out - for stdout\), or --kafka/]],
        [['--kafka', '127.0.0.1:1', '--rate', '-1', '--label-delay', '7x'], [/--rate: expected transactions per second such as 500, 500\/s or 3000\/min, 0 for no limit, got "-1"/, /--label-delay: expected a time such as 7d, 36h, 90min, 30s, or 0, got "7x"/]],
        [['--kafka', 'nohost', '--out', out], [/--kafka: expected host:port/]],
        [['--kafka', '127.0.0.1:1', '--out', out], [/give --out or --kafka, not both/]],
      ];
      for (const [args, reasons] of cases) {
        const run = vigie(['simulate', 'bank', ...args]);
        expect(await run.exit, run.output()).toBe(2);
        for (const reason of reasons) expect(run.output()).toMatch(reason);
        expect(existsSync(out)).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('--out - writes the same bytes as --out FILE, the summary on stderr', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigie-bank-stdout-'));
    try {
      const file = path.join(dir, 'bank.csv');
      const args = ['simulate', 'bank', '--customers', '200', '--terminals', '100', '--days', '3', '--seed', '9'];
      const toFile = vigie([...args, '--out', file]);
      expect(await toFile.exit, toFile.output()).toBe(0);
      const { spawnSync } = await import('node:child_process');
      const toStdout = spawnSync(process.execPath, ['bin/vigie.js', ...args, '--out', '-'], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8' });
      expect(toStdout.status, toStdout.stderr).toBe(0);
      expect(toStdout.stdout).toBe(await readFile(file, 'utf8'));
      expect(toStdout.stdout.split('\n')[0]).toBe('transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind');
      expect(toStdout.stderr).toMatch(/simulated bank \(cameroon, seed 9, 200 customers, 100 terminals, 3 days\): \d+ transactions, \d+ frauds/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
