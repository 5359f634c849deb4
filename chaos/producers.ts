/**
 * What a chaos run feeds vigie. Every record says what must become of it, so the audit needs no
 * copy of vigie's rules: Kafka records carry a `chaos-kind` header (`suspicious`: above the
 * amount limit, exactly one row in suspicious_transactions; `normal`: below it on an account of
 * its own, so no rule can fire, no row; any poison kind: exactly one dead letter), and serial
 * lines carry a sequence tag `c<n>` the audit finds again in Kafka.
 */
import { execFile } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { PRODUCER_CONFIG } from '../src/adapters/kafka/producer.ts';
import type { Random } from '../src/random.ts';

const run = promisify(execFile);
export const KIND_HEADER = 'chaos-kind';
export const AMOUNT_LIMIT = 10_000;

const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** A valid transaction on an account no other record uses. */
function transaction(n: number, random: Random): { kind: 'suspicious' | 'normal'; value: string } {
  const suspicious = random.next() < 0.3;
  const amount = suspicious ? random.int(AMOUNT_LIMIT + 1, 90_000) : random.int(100, AMOUNT_LIMIT - 1);
  const value = { id: random.int(1000, 9999), transaction_id: random.int(10_000, 99_999), amount, currency: 'XAF', timestamp: stamp(Date.now()), account: `chaos-${n}` };
  return { kind: suspicious ? 'suspicious' : 'normal', value: JSON.stringify(value) };
}

/**
 * Transactions at `rate` per second in batches of 100 ms. A batch the broker refused is dropped
 * with its producer (a kafkajs producer may never come back from a broker restart) and the next
 * batch goes through a new one, drawn afresh: a batch that did land after all is in the topic,
 * and the audit checks whatever the topic holds, each record on an account of its own.
 */
export function produceTransactions(brokers: string[], topic: string, rate: number, random: Random): { stop(): Promise<number> } {
  const kafka = new Kafka({ clientId: 'chaos-producer', brokers, logLevel: logLevel.NOTHING });
  let running = true;
  let sent = 0;
  const loop = (async () => {
    let producer: Producer | null = null;
    for (let n = 0, due = Date.now(); running; ) {
      const count = Math.max(1, Math.round(rate / 10));
      const messages = Array.from({ length: count }, () => {
        const { kind, value } = transaction(n++, random);
        return { value, headers: { [KIND_HEADER]: kind } };
      });
      try {
        producer ??= await connected(kafka);
        await producer.send({ topic, messages, acks: -1 });
        sent += count;
      } catch {
        await producer?.disconnect().catch(() => {});
        producer = null;
        await sleep(500);
        due = Date.now();
      }
      due += 100;
      await sleep(Math.max(0, due - Date.now()));
    }
    await producer?.disconnect().catch(() => {});
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

async function connected(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ ...PRODUCER_CONFIG, retry: { retries: 2 } });
  await producer.connect();
  return producer;
}

/** Poison of every kind found in issue 10, as bytes another client (kcat) produces. */
export function transactionPoison(n: number, dlqMaxBytes: number): Record<string, Buffer> {
  const base = { id: 1234, transaction_id: 56_789, amount: 15_000, currency: 'XAF', timestamp: stamp(Date.now()), account: `poison-${n}` };
  const json = (fields: object): Buffer => Buffer.from(JSON.stringify({ ...base, ...fields }));
  return {
    'id-out-of-range': json({ id: 1_099_511_627_776 }),
    'transaction-id-out-of-range': json({ transaction_id: -8_589_934_592 }),
    'amount-overflow': json({ amount: 1e17 }),
    'nul-in-string': json({ account: `poison\u0000${n}` }),
    'non-json-nul-byte': Buffer.from(`not json ${n}\u0000 here`, 'latin1'),
    'larger-than-dlq': json({ channel: 'x'.repeat(dlqMaxBytes + 1024) }),
    'invalid-utf8': Buffer.concat([Buffer.from(`{"id":1234,"transaction_id":56789,"amount":15000,"currency":"XAF","timestamp":"${base.timestamp}","account":"poison-`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
  };
}

/** Each poison kind once, each to a partition drawn from `random`, with kcat. */
export async function producePoison(brokers: string[], topic: string, partitions: number, dir: string, n: number, dlqMaxBytes: number, random: Random): Promise<string[]> {
  const kinds: string[] = [];
  for (const [kind, bytes] of Object.entries(transactionPoison(n, dlqMaxBytes))) {
    const file = path.join(dir, `poison-${n}-${kind}`);
    await writeFile(file, bytes);
    const partition = String(random.int(0, partitions - 1));
    await run('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', partition, '-H', `${KIND_HEADER}=${kind}`, '-X', 'message.max.bytes=2000000', file]);
    kinds.push(kind);
  }
  return kinds;
}

/** The serial lines a broken device or a typo prints, each tagged `c<n>` followed by a non-digit (the audit finds the tag so). */
export function serialPoison(n: number): Record<string, string> {
  return {
    'serial-bad-topic': `bad topic c${n}!1.0`,
    'serial-long-topic': `c${n}${'t'.repeat(300)}!1.0`,
    'serial-long-line': `c${n} ${'9'.repeat(20_000)}`,
  };
}

export interface SerialWriter {
  /** Lines written, by tag: `good` ones must reach the readings topic, the others serial.dlq. */
  readonly written: Map<number, 'good' | string>;
  pause(): void;
  resume(): void;
  /** Writes one line of each poison kind. */
  poison(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `humidite!<value>` lines at `rate` per second to the device's end of the serial pair; the value's
 * digits carry the tag (`4x.<n>`). Paused while no one can read them (the bridge down, the cable
 * pulled): a serial line cannot be replayed, so what is written then is lost by nature, not by vigie.
 */
export function writeSerial(devicePath: string, rate: number): SerialWriter {
  const written = new Map<number, 'good' | string>();
  let n = 0;
  let paused = false;
  let running = true;
  const write = async (text: string): Promise<boolean> => {
    try {
      const handle = await open(devicePath, 'a');
      try {
        await handle.write(`${text}\n`);
      } finally {
        await handle.close();
      }
      return true;
    } catch {
      return false;
    }
  };
  const loop = (async () => {
    for (let due = Date.now(); running; ) {
      if (!paused) {
        const count = Math.max(1, Math.round(rate / 10));
        const tags = Array.from({ length: count }, () => n++);
        const text = tags.map((t) => `humidite!${40 + (t % 20)}.${String(t).padStart(7, '0')}`).join('\n');
        if (await write(text)) for (const t of tags) written.set(t, 'good');
      }
      due += 100;
      await sleep(Math.max(0, due - Date.now()));
    }
  })();
  return {
    written,
    pause: () => (paused = true),
    resume: () => (paused = false),
    poison: async () => {
      for (const kind of Object.keys(serialPoison(0))) {
        const tag = n++;
        if (await write(serialPoison(tag)[kind]!)) written.set(tag, kind);
      }
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
