/**
 * `vigie simulate arduino` as a process: it says where to read, writes exactly what a board
 * prints at about the rate asked, and leaves no socat or link behind after SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SerialEvent, fromSerialPort } from '../../src/adapters/serial/fromSerialPort.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-simulate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function vigie(args: string[]) {
  const child = spawn(process.execPath, ['bin/vigie.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('vigie simulate arduino', () => {
  it('writes topic!value lines to the pty until SIGTERM, then removes its links', async () => {
    const simulate = vigie(['simulate', 'arduino', '--link', dir, '--rate', '40', '--seed', '3']);
    try {
      await waitFor('the device path', () => simulate.output().includes('serial device:'));
      const hostPath = path.join(dir, 'vigie');
      expect(simulate.output()).toContain(`serial device: ${hostPath} — run: vigie bridge --serial ${hostPath}`);
      const events: SerialEvent[] = [];
      const subscription = fromSerialPort({ path: hostPath }).subscribe((e) => events.push(e));
      await waitFor('open', () => events.some((e) => e.kind === 'status' && e.status === 'open'));
      const opened = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      subscription.unsubscribe();
      const elapsed = (Date.now() - opened) / 1000;
      const lines = events.flatMap((e) => (e.kind === 'line' ? [e] : []));
      // about 40 lines/s; a first burst may hold what the pty kept before we opened it
      expect(lines.length).toBeGreaterThan(20 * elapsed);
      expect(lines.every((l) => l.utf8)).toBe(true);
      // a line torn by opening mid-line can only be the first
      for (const { line } of lines.slice(1)) expect(line.line).toMatch(/^(humidite|temperature)!\d+\.\d\d$/);
      simulate.child.kill('SIGTERM');
      expect(await simulate.exited).toBe(0);
      expect(existsSync(hostPath) || existsSync(path.join(dir, 'arduino'))).toBe(false);
    } finally {
      simulate.child.kill('SIGKILL');
    }
  });

  it('refuses a bad rate with exit code 2', async () => {
    const simulate = vigie(['simulate', 'arduino', '--link', dir, '--rate', 'fast']);
    expect(await simulate.exited).toBe(2);
    expect(simulate.output()).toContain('--rate: expected a number');
    expect(existsSync(path.join(dir, 'vigie'))).toBe(false);
  });
});
