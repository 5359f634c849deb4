/**
 * A virtual serial cable: two pseudo-terminals joined by socat, so the bridge can be run and
 * tested without an Arduino. What is written to `devicePath` (the board's end) is read from
 * `hostPath` (the computer's end), byte for byte, as from a real USB serial port.
 *
 * The paths are symlinks to `/dev/pts/N`, made by socat, which also removes them when it exits:
 * stopping the pair is what a pulled cable looks like to a reader.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { VigieError } from '../../errors.ts';

export interface VirtualSerialPair {
  /** The board's end: write here. */
  readonly devicePath: string;
  /** The computer's end: read here, e.g. `vigie bridge --serial <hostPath>`. */
  readonly hostPath: string;
  /** socat's process id. */
  readonly pid: number;
  /** Kills socat and removes the links; idempotent. */
  stop(): Promise<void>;
}

export interface VirtualSerialOptions {
  /** How long to wait for socat to make both links. Default 5 s. */
  readonly timeoutMs?: number;
}

/** Starts socat with the links `<dir>/arduino` (device) and `<dir>/vigie` (host). */
export async function createVirtualSerialPair(dir: string, { timeoutMs = 5_000 }: VirtualSerialOptions = {}): Promise<VirtualSerialPair> {
  const root = path.resolve(dir);
  const devicePath = path.join(root, 'arduino');
  const hostPath = path.join(root, 'vigie');
  const where = { port: hostPath };
  await mkdir(root, { recursive: true });
  // Stale links of a socat killed with SIGKILL would make us think the new pair is ready.
  await Promise.all([rm(devicePath, { force: true }), rm(hostPath, { force: true })]);
  // In a session of its own, as the embedded PostgreSQL: a Ctrl-C in the terminal is for vigie,
  // which stops socat itself once it has stopped writing (socat killed by the group's SIGINT
  // closed the pty under a write: EIO, and `vigie simulate arduino` exited 1 on Ctrl-C).
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  // this process exiting early (a second Ctrl-C, a crash) must not leave socat running
  const onExit = (): void => void child.kill('SIGKILL');
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const tail: string[] = [];
  child.stderr!.on('data', (data: Buffer) => {
    tail.push(...data.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 10));
  });
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(devicePath) && existsSync(hostPath))) {
    const failed = spawnError ?? (child.exitCode !== null ? new Error(`socat exited with code ${child.exitCode}`) : null);
    if (failed || Date.now() > deadline) {
      child.kill('SIGKILL');
      const why = (failed as Error | null)?.message ?? `no links after ${timeoutMs} ms`;
      throw new VigieError('SERVICE_START_FAILED', `cannot create the virtual serial pair (is socat installed?): ${why} ${tail.join(' | ')}`, {
        where,
        cause: failed,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let stopping: Promise<void> | null = null;
  return {
    devicePath,
    hostPath,
    pid: child.pid!,
    stop: () => (stopping ??= stopSocat(child).then(() => rmLinks(devicePath, hostPath))),
  };
}

function stopSocat(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function rmLinks(...links: string[]): Promise<void> {
  await Promise.all(links.map((link) => rm(link, { force: true })));
}
