/**
 * A newcomer's `npm test` on a machine without the tools: it stops before starting any server,
 * naming every missing tool and the one command that installs them. Run as a user runs it:
 * `npm test`, and vitest directly, on a PATH that has node, npm and sh and nothing else.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingPrerequisites, prerequisitesMessage } from '../helpers/prerequisites.ts';

const bare = mkdtempSync(path.join(tmpdir(), 'vigie-bare-path-'));
for (const command of ['node', 'npm', 'sh']) symlinkSync(realpathSync(execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim()), path.join(bare, command));
afterAll(() => rmSync(bare, { recursive: true, force: true }));

describe('npm test on a machine without its tools', () => {
  const expectStopped = (status: number | null, output: string): void => {
    expect(status).not.toBe(0);
    expect(output).toContain('npm test cannot run here: 4 prerequisites are missing');
    for (const tool of ['java (Debian package default-jre-headless)', 'socat (Debian package socat)', 'kcat (Debian package kcat)', 'python3 (Debian package python3)']) {
      expect(output).toContain(tool);
    }
    expect(output).toContain('Install them all with: npm run setup');
    // it stopped before any test file ran
    expect(output).not.toMatch(/Test Files/);
  };
  const env = { HOME: process.env['HOME'] ?? '/root', PATH: bare };

  it('npm test stops at once, naming each missing tool and the command that installs them all', () => {
    // one small file named: were the check to let it through, not the whole suite again
    const run = spawnSync('npm', ['test', '--', 'tests/operators/rules/judged.spec.ts'], { env, encoding: 'utf8', timeout: 120_000 });
    expectStopped(run.status, `${run.stdout}${run.stderr}`);
  });

  it('so does vitest run directly', () => {
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'tests/operators/rules/judged.spec.ts'], { env, encoding: 'utf8', timeout: 120_000 });
    expectStopped(run.status, `${run.stdout}${run.stderr}`);
  });

  it('needs neither Java nor the broker jars when KAFKA_BROKERS names a broker', async () => {
    const missing = (await missingPrerequisites({ PATH: bare, KAFKA_BROKERS: '127.0.0.1:9092' })).map((m) => m.what);
    expect(missing.some((m) => m.startsWith('java'))).toBe(false);
    expect(missing.some((m) => m.includes("Kafka broker's jars"))).toBe(false);
    expect(missing.some((m) => m.startsWith('socat'))).toBe(true);
  });

  it('finds nothing missing on this machine, which runs the suite', async () => {
    const missing = await missingPrerequisites();
    expect(prerequisitesMessage(missing)).toContain('0 prerequisites are missing');
    expect(missing).toEqual([]);
  });
});
