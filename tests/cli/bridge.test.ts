/**
 * `vigie simulate arduino` and `vigie bridge` end to end, as a user runs them: two processes on a
 * socat pty pair, a real Kafka broker, and a third writer putting bad lines on the wire. What
 * reached Kafka must be exactly what the reference pickle log holds, and the bad lines must be
 * dead letters with their reasons, while the good ones keep flowing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../src/adapters/kafka/broker.ts';

const run = promisify(execFile);
let root: string;
let broker: KafkaBroker;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigie-bridge-'));
  broker = await startKafkaBroker({ dataDir: path.join(root, 'kafka') });
}, 120_000);

afterAll(async () => {
  await broker?.stop();
  await rm(root, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function vigie(args: string[]): Running {
  const child = spawn(process.execPath, ['bin/vigie.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000, context = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('vigie simulate arduino | vigie bridge', () => {
  it('sends readings to their topics, bad lines to serial.dlq, and logs what it sent', async () => {
    const link = path.join(root, 'serial');
    const dataDir = path.join(root, 'data');
    const brokers = broker.brokers.join(',');
    // The bridge first: it must wait (retrying) for a device that does not exist yet.
    const bridge = vigie(['bridge', '--serial', path.join(link, 'vigie'), '--kafka', brokers, '--data-dir', dataDir]);
    const simulate = vigie(['simulate', 'arduino', '--link', link, '--rate', '50']);
    const outputs = (): string => `--- bridge:\n${bridge.output()}\n--- simulate:\n${simulate.output()}`;
    try {
      await waitFor('the simulator', () => simulate.output().includes('serial device:'), 20_000, outputs);
      expect(simulate.output()).toContain(`serial device: ${path.join(link, 'vigie')} — run: vigie bridge --serial ${path.join(link, 'vigie')}`);
      await waitFor('the bridge to open the port', () => /serial: open/.test(bridge.output()), 20_000, outputs);
      await new Promise((resolve) => setTimeout(resolve, 500));

      // A third writer on the device end, between the simulator's lines.
      const device = openSync(path.join(link, 'arduino'), constants.O_WRONLY | constants.O_NOCTTY);
      for (const bad of [Buffer.from('humidite 45.2\r\n'), Buffer.from('temperature!hot\r\n'), Buffer.from([0x68, 0xff, 0x21, 0x31, 0x0d, 0x0a])]) {
        writeSync(device, bad);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      closeSync(device);
      await waitFor('status lines', () => /bridge: \d+ lines\/s, \d+ sent, 3 dead letters, device open/.test(bridge.output()), 20_000, outputs);
      // the bridge is watched like the flows: its page and its metrics
      const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(bridge.output())?.[1];
      expect(url, outputs()).toBeDefined();
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(Number(/^vigie_records_in_total\{stage="serial-lines"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(3);
      expect(metrics).toMatch(/^vigie_dead_letters_total\{stage="bridge"\} 3$/m);

      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
      simulate.child.kill('SIGTERM');
      expect(await simulate.exited).toBe(0);
      expect(existsSync(path.join(link, 'vigie')) || existsSync(path.join(link, 'arduino'))).toBe(false);
    } finally {
      bridge.child.kill('SIGKILL');
      simulate.child.kill('SIGKILL');
    }

    // The reference log, as Python sees it.
    const { stdout } = await run('python3', [
      '-c',
      'import pickle, json, sys; print(json.dumps(pickle.load(open(sys.argv[1], "rb"))))',
      path.join(dataDir, 'logs', 'readings.pkl'),
    ]);
    const logged = JSON.parse(stdout) as [string, number][];
    expect(logged.length).toBeGreaterThan(20);
    for (const [line, time] of logged) {
      expect(line).toMatch(/^(humidite|temperature)!\d+\.\d\d$/);
      expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(300);
    }

    // What reached Kafka: exactly the logged lines, in order per topic.
    const received: Record<string, string[]> = { humidite: [], temperature: [], 'serial.dlq': [] };
    const kafka = new Kafka({ clientId: 'bridge-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `bridge-test-${Date.now()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: Object.keys(received), fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ topic, message }) => {
          expect(message.key).toBeNull();
          received[topic]!.push(message.value!.toString('utf8'));
        },
      });
      const count = (): number => Object.values(received).reduce((n, list) => n + list.length, 0);
      await waitFor('every message', () => count() >= logged.length + 3, 30_000, () => JSON.stringify(received));
    } finally {
      await consumer.disconnect();
    }
    for (const topic of ['humidite', 'temperature']) {
      const expected = logged.filter(([line]) => line.startsWith(`${topic}!`)).map(([line]) => line.slice(line.lastIndexOf('!') + 1));
      expect(received[topic]).toEqual(expected);
    }
    const dead = received['serial.dlq']!.map((json) => JSON.parse(json) as Record<string, unknown>);
    expect(dead.map((d) => [d['reason'], d['raw'], d['rawHex']])).toEqual([
      ['no "!" separating topic and value', 'humidite 45.2', Buffer.from('humidite 45.2').toString('hex')],
      ['value "hot" is not a decimal number', 'temperature!hot', Buffer.from('temperature!hot').toString('hex')],
      ['not valid UTF-8', 'h\uFFFD!1', '68ff2131'],
    ]);
    for (const d of dead) expect(d).toMatchObject({ path: path.join(link, 'vigie'), time: expect.any(Number) });
    const jsonl = (await readFile(path.join(dataDir, 'logs', 'dead-letters.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl).toEqual(dead);
  }, 120_000);
});
