/**
 * fromSerialPort against a real pseudo-terminal pair made by socat: what a USB serial device
 * looks like to the kernel, including disappearing when it is unplugged (socat killed).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SerialEvent, fromSerialPort } from '../../../src/adapters/serial/fromSerialPort.ts';
import { type VirtualSerialPair, createVirtualSerialPair } from '../../../src/adapters/serial/virtualSerial.ts';

let dir: string;
let pair: VirtualSerialPair | null = null;
let subscription: Subscription | null = null;
let events: SerialEvent[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-serial-'));
  events = [];
});

afterEach(async () => {
  subscription?.unsubscribe();
  subscription = null;
  await pair?.stop();
  pair = null;
  await rm(dir, { recursive: true, force: true });
});

const lines = (): string[] => events.flatMap((e) => (e.kind === 'line' ? [e.line.line] : []));
const statuses = (): string[] => events.flatMap((e) => (e.kind === 'status' ? [e.status] : []));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function write(devicePath: string, bytes: Buffer | string): void {
  const fd = openSync(devicePath, 'w');
  try {
    writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  } finally {
    closeSync(fd);
  }
}

function listen(hostPath: string): void {
  subscription = fromSerialPort({ path: hostPath }).subscribe({
    next: (e) => events.push(e),
    error: (error: unknown) => events.push({ kind: 'status', status: 'closed', detail: `ERROR ${String(error)}` }),
  });
}

describe('fromSerialPort', () => {
  it('emits the lines written to the device, in order, with their exact text', async () => {
    pair = await createVirtualSerialPair(dir);
    listen(pair.hostPath);
    await waitFor('open', () => statuses().includes('open'));
    write(pair.devicePath, 'humidite!45.20\r\ntemperature!23.1\r\na!b!7\r\nhumidité!50\r\n');
    write(pair.devicePath, 'no-cr!1\nsplit');
    write(pair.devicePath, '-line!2\r\n');
    await waitFor('6 lines', () => lines().length >= 6);
    expect(lines()).toEqual(['humidite!45.20', 'temperature!23.1', 'a!b!7', 'humidité!50', 'no-cr!1', 'split-line!2']);
    const offsets = events.flatMap((e) => (e.kind === 'line' ? [e.line.ref.offset] : []));
    expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] as number) + i));
    const first = events.find((e) => e.kind === 'line');
    expect(first).toMatchObject({ utf8: true, line: { ref: { source: `serial:${pair.hostPath}`, partition: 0 } } });
    expect(first?.kind === 'line' && first.rawHex).toBe(Buffer.from('humidite!45.20').toString('hex'));
  });

  it('reconnects when the device disappears and comes back on the same path, losing only what it could not read', async () => {
    pair = await createVirtualSerialPair(dir);
    listen(pair.hostPath);
    await waitFor('open', () => statuses().includes('open'));
    write(pair.devicePath, 'humidite!1\r\nhumidite!2\r\n');
    await waitFor('2 lines', () => lines().length === 2);
    write(pair.devicePath, 'humidite!3'); // no end of line: torn by the unplug
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pair.stop();
    await waitFor('reconnecting', () => statuses().includes('reconnecting'));
    await new Promise((resolve) => setTimeout(resolve, 500)); // several failed attempts
    pair = await createVirtualSerialPair(dir);
    await waitFor('open again', () => statuses().filter((s) => s === 'open').length === 2);
    write(pair.devicePath, 'humidite!4\r\n');
    await waitFor('line 4', () => lines().length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines()).toEqual(['humidite!1', 'humidite!2', 'humidite!4']);
    const s = statuses();
    expect(s[0]).toBe('open');
    expect(s[1]).toBe('closed');
    expect(s.slice(2, -1).every((x) => x === 'reconnecting')).toBe(true);
    expect(s.length).toBeGreaterThan(3);
    expect(s.at(-1)).toBe('open');
  });

  it('retries while the device does not exist yet', async () => {
    listen(path.join(dir, 'vigie'));
    await waitFor('two attempts', () => statuses().filter((s) => s === 'reconnecting').length >= 2);
    expect(statuses()).not.toContain('open');
    pair = await createVirtualSerialPair(dir);
    await waitFor('open', () => statuses().includes('open'));
    write(pair.devicePath, 'temperature!20\r\n');
    await waitFor('line', () => lines().length === 1);
    expect(lines()).toEqual(['temperature!20']);
  });

  it('flags lines that are not valid UTF-8, keeps their bytes, and goes on', async () => {
    pair = await createVirtualSerialPair(dir);
    listen(pair.hostPath);
    await waitFor('open', () => statuses().includes('open'));
    write(pair.devicePath, Buffer.concat([Buffer.from('hum'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('!1\r\nok!2\r\n')]));
    await waitFor('2 lines', () => lines().length === 2);
    const [bad, good] = events.filter((e) => e.kind === 'line');
    expect(bad).toMatchObject({ utf8: false, rawHex: '68756dfffec3213' + '1' });
    expect(bad?.kind === 'line' && bad.line.line).toBe('hum\uFFFD\uFFFD\uFFFD!1');
    expect(good).toMatchObject({ utf8: true, line: { line: 'ok!2' } });
  });

  it('closes the port on unsubscribe, so another reader can open it', async () => {
    pair = await createVirtualSerialPair(dir);
    listen(pair.hostPath);
    await waitFor('open', () => statuses().includes('open'));
    subscription?.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = events.length;
    // serialport opens exclusively (TIOCEXCL): this second open fails if the first port is still open
    listen(pair.hostPath);
    await waitFor('reopen', () => events.slice(before).some((e) => e.kind === 'status' && e.status === 'open'));
    expect(events.slice(before).map((e) => e.kind === 'status' && e.status)).not.toContain('reconnecting');
  });
});
