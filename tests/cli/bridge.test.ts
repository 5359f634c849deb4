/**
 * `vigie simulate arduino` and `vigie bridge` end to end, as a user runs them: two processes on a
 * socat pty pair, a real Kafka broker, and a third writer putting bad lines on the wire. What
 * reached Kafka must be exactly what the reference pickle log holds, and the bad lines must be
 * dead letters with their reasons, while the good ones keep flowing.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { createVirtualSerialPair } from '../../src/adapters/serial/virtualSerial.ts';

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

function vigie(args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, ['bin/vigie.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
          // keyed by the device, so that one device's series stays in one partition
          if (topic !== 'serial.dlq') expect(message.key?.toString()).toBe(path.join(link, 'vigie'));
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

/** Peak resident memory of a process so far, in bytes. */
function peakRss(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** Every message of `topics` so far, as text, until `enough` says so. */
async function consume(topics: string[], enough: (got: Record<string, string[]>) => boolean): Promise<Record<string, string[]>> {
  const got: Record<string, string[]> = Object.fromEntries(topics.map((t) => [t, []]));
  const kafka = new Kafka({ clientId: 'bridge-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bridge-test-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic, message }) => void got[topic]!.push(message.value!.toString('utf8')) });
    await waitFor('the messages', () => enough(got), 30_000, () => JSON.stringify(got).slice(0, 2_000));
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe('vigie bridge and bad serial lines', () => {
  // A serial line cannot be read again: a line Kafka refuses (a bad topic name) or a line without
  // end must become a dead letter, never stop the bridge and take the good readings with it.
  it('keeps running: bad topics and a 10 MiB line are dead letters, the good lines reach Kafka', async () => {
    const pair = await createVirtualSerialPair(path.join(root, 'bad-lines'));
    const dataDir = path.join(root, 'bad-lines-data');
    // A small young generation: the device's chunks are collected as they die, so the peak
    // resident size measures what the bridge holds rather than how late the collector runs.
    const env = { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --max-semi-space-size=1` };
    const bridge = vigie(['bridge', '--serial', pair.hostPath, '--kafka', broker.brokers.join(','), '--data-dir', dataDir], env);
    const device = openSync(pair.devicePath, constants.O_WRONLY | constants.O_NOCTTY);
    const send = (bytes: string | Buffer): void => {
      const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      for (let at = 0; at < buffer.length; ) at += writeSync(device, buffer, at);
    };
    try {
      await waitFor('the bridge to open the port', () => /serial: open/.test(bridge.output()), 20_000, bridge.output);
      const longTopic = 't'.repeat(300);
      send(`good!1.0\r\nbad topic!1.0\r\ngood!2.0\r\n${longTopic}!1.0\r\ngood!3.0\r\n`);
      await waitFor('2 dead letters', () => /, 2 dead letters/.test(bridge.output()), 20_000, bridge.output);

      const before = peakRss(bridge.child.pid!);
      const junk = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i < 160; i++) send(junk); // 10 MiB without a newline
      send('\ngood!4.0\r\n');
      await waitFor('3 dead letters', () => /, 3 dead letters/.test(bridge.output()), 60_000, bridge.output);
      const grown = peakRss(bridge.child.pid!) - before;
      console.log(`bridge: peak RSS ${before} -> ${before + grown} bytes over a 10 MiB line`);
      expect(bridge.child.exitCode, bridge.output()).toBeNull();

      const got = await consume(['good', 'serial.dlq'], (g) => g['good']!.length >= 4 && g['serial.dlq']!.filter((d) => d.includes(pair.hostPath)).length >= 3);
      expect(got['good']).toEqual(['1.0', '2.0', '3.0', '4.0']);
      const dead = got['serial.dlq']!.map((d) => JSON.parse(d) as { reason: string; raw: string; rawHex: string; path: string }).filter((d) => d.path === pair.hostPath);
      expect(dead.map((d) => d.reason)).toEqual([
        'topic "bad topic" has a character Kafka does not allow (only a-z A-Z 0-9 . _ -)',
        'topic of 300 characters is longer than Kafka allows (249)',
        expect.stringMatching(/^line of 10485760 bytes is longer than the limit of 4096 bytes/),
      ]);
      expect(dead[1]!.raw).toBe(`${longTopic}!1.0`);
      expect(dead[2]!.raw).toMatch(/^x+$/); // its first bytes, not all ten megabytes
      expect(dead[2]!.raw.length).toBeLessThanOrEqual(4096);
      // The line was dropped as it came, not buffered (which needed the line and a copy of it).
      expect(grown, `peak RSS grew by ${grown} bytes`).toBeLessThan(5 * 1024 * 1024);

      bridge.child.kill('SIGTERM');
      expect(await bridge.exited, bridge.output()).toBe(0);
    } finally {
      closeSync(device);
      bridge.child.kill('SIGKILL');
      await pair.stop();
    }
  }, 120_000);
});

describe('vigie bridge started while its broker is down', () => {
  // Before, a broker down at start ended the bridge at once with kafkajs's bare error.
  it('waits, naming host:port, and bridges once the broker is there', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const link = path.join(root, 'serial-late');
    const pair = await createVirtualSerialPair(link);
    const bridge = vigie(['bridge', '--serial', pair.hostPath, '--kafka', `127.0.0.1:${port}`, '--data-dir', path.join(root, 'late')]);
    let late: KafkaBroker | undefined;
    try {
      await waitFor('the line naming the broker awaited', () => bridge.output().includes(`kafka at 127.0.0.1:${port} is down`), 30_000, bridge.output);
      await waitFor('a few retries', () => (bridge.output().match(/retry \d+ in/g) ?? []).length >= 2, 60_000, bridge.output);
      expect(bridge.child.exitCode, bridge.output()).toBeNull();
      late = await startKafkaBroker({ dataDir: path.join(root, 'kafka-late'), port });
      await waitFor('the bridge running', () => bridge.output().includes('bridge: '), 60_000, bridge.output);
      const kafka = new Kafka({ brokers: late.brokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'late', numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const consumer = kafka.consumer({ groupId: 'late-reader' });
      await consumer.connect();
      const values: string[] = [];
      await consumer.subscribe({ topic: 'late', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      const fd = openSync(pair.devicePath, constants.O_WRONLY | constants.O_NOCTTY);
      await waitFor('the line reaching Kafka', () => {
        writeSync(fd, 'late!7.5\n');
        return values.includes('7.5');
      }, 60_000, bridge.output);
      closeSync(fd);
      await consumer.disconnect();
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited, bridge.output()).toBe(0);
    } finally {
      if (bridge.child.exitCode === null) bridge.child.kill('SIGKILL');
      await pair.stop();
      await late?.stop();
    }
  }, 180_000);
});
