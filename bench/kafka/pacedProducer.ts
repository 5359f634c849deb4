/**
 * The offered load of the latency phases: records produced at a fixed rate for a fixed time, each
 * carrying in the header {@link SENT_AT} the wall-clock time it was due, in the bridge's format (the value as UTF-8 text, no key) and with vigie's producer
 * settings (`createProducer`: idempotent, one request in flight, acks from every replica).
 *
 * Why a child process rather than the benchmark's own: records carry the time they were due, so a
 * late send counts in full wherever the producer runs; but in the benchmark's process the
 * producer's work (kafkajs encoding the requests, handling the replies, its timers) would run on
 * the flow's event loop, adding its own stalls to the latency measured and to the flow's
 * event-loop delay, and the flow's long ticks would turn the offered load into bursts. In its own
 * process the load stays steady; it still shares the machine's cores, as a producer on the same
 * host would.
 *
 * Pacing: record `i` is due at `start + i / rate` and carries that time, not the time it was
 * finally sent, so whatever delays it (the producer's own linger, a slow request, this process
 * not being scheduled) counts in its latency. As Kafka's own producer does, records due while a
 * request is in flight wait for it (one request in flight, so they land in order), and a batch
 * waits `lingerMs` after its first record for more to come; each request carries every record
 * due by then, at most {@link MAX_PER_REQUEST}.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProducer } from '../../src/adapters/kafka/producer.ts';
import type { Message } from 'kafkajs';
import { seedTransactionMessages, transactionMessages } from '../fraud/transactions.ts';
import { PRODUCED_AT, SENT_AT, sensorValues } from './records.ts';

export interface PacedOptions {
  readonly brokers: string[];
  readonly topic: string;
  readonly rate: number;
  readonly seconds: number;
  readonly lingerMs: number;
  /**
   * What the records hold: sensor values in the bridge's format (the default), the fraud
   * benchmark's transactions numbered from `firstIndex`, or the seed producer's own (no account, no key).
   */
  readonly payload?: { readonly kind: 'sensors' } | { readonly kind: 'transactions'; readonly firstIndex: number } | { readonly kind: 'seed-transactions'; readonly seed: number };
}

export interface Paced {
  readonly sent: number;
  /** Wall-clock ms at which the first and the last record were due. */
  readonly firstMs: number;
  readonly lastMs: number;
  /** CPU seconds (user + system) the producer used from connecting to its last acknowledgement. */
  readonly cpuSeconds: number;
}

type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; sent: number }
  | { type: 'done'; result: Paced }
  | { type: 'error'; message: string };

/** Runs the producer in a child process; resolves once every record is acknowledged by the broker. */
export function producePaced(options: PacedOptions, onProgress: (sent: number) => void): Promise<Paced> {
  return new Promise<Paced>((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') child.send({ type: 'go', options });
      else if (message.type === 'progress') onProgress(message.sent);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new Error(`paced producer: ${message.message}`));
      }
    });
    child.on('error', (error) => {
      settled = true;
      reject(error);
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`paced producer exited with code ${code} before it was done`));
    });
  });
}

/** Under the broker's 1 MB request limit, and kafkajs groups a request's messages in quadratic time. */
const MAX_PER_REQUEST = 2_000;

async function child(options: PacedOptions): Promise<Paced> {
  const { brokers, topic, rate, seconds, lingerMs, payload = { kind: 'sensors' } } = options;
  const cpu = process.cpuUsage();
  const producer = await createProducer(brokers, 'vigie-bench-paced');
  const values = sensorValues(2);
  const next: (time: number) => Pick<Message, 'key' | 'value'> =
    payload.kind === 'transactions' ? transactionMessages(3, payload.firstIndex) : payload.kind === 'seed-transactions' ? seedTransactionMessages(payload.seed) : () => ({ value: values() });
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  try {
    const startWall = Date.now();
    const startPerf = performance.now();
    let sent = 0;
    let reported = startPerf;
    while (sent < total) {
      // The batch goes once its first record has lingered `lingerMs`.
      const sendAt = startPerf + sent * intervalMs + lingerMs;
      const wait = sendAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const now = performance.now();
      const due = Math.min(total, sent + MAX_PER_REQUEST, Math.floor((now - startPerf) / intervalMs) + 1);
      const messages = [];
      const wall = Date.now();
      const producedAt = String(wall);
      // The timestamp is the record's CreateTime (a topic on LogAppendTime replaces it).
      for (let i = sent; i < due; i++) {
        messages.push({ ...next(wall), timestamp: producedAt, headers: { [SENT_AT]: String(startWall + i * intervalMs), [PRODUCED_AT]: producedAt } });
      }
      await producer.send({ topic, acks: -1, messages });
      sent = due;
      if (now - reported >= 500) {
        process.send!({ type: 'progress', sent });
        reported = now;
      }
    }
    const { user, system } = process.cpuUsage(cpu);
    return { sent, firstMs: startWall, lastMs: startWall + (total - 1) * intervalMs, cpuSeconds: (user + system) / 1e6 };
  } finally {
    await producer.disconnect();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child' && process.send) {
  process.send({ type: 'ready' });
  process.once('message', (message: { type: 'go'; options: PacedOptions }) => {
    child(message.options).then(
      (result) => process.send!({ type: 'done', result }, () => process.exit(0)),
      (error: Error) => process.send!({ type: 'error', message: error.message }, () => process.exit(1)),
    );
  });
}
