/**
 * The fraud benchmark's input: transactions like the seed's producer (`transactionGenerator`: a
 * client, an amount uniform in 100-20 000 XAF, so about half above the 10 000 XAF limit, stamped
 * now), each with an account of its own shared by at most {@link PER_ACCOUNT} transactions and
 * keyed by it. So few per account that no per-account rule can fire (frequency wants more than
 * 5 in 10 min, the z-score 5 amounts of history): the suspicious ones are exactly those above the
 * limit, which the benchmark can check row by row.
 */
import type { Message } from 'kafkajs';
import { transactionGenerator } from '../../src/adapters/simulatedTransactions.ts';
import { kafkaClient } from '../kafka/records.ts';

export const PER_ACCOUNT = 4;
/** The amount rule's default limit (`--amount-limit`): above it, a transaction is suspicious. */
export const LIMIT_XAF = 10_000;

/** Transaction number `firstIndex`, then the next ones, each stamped with the time given. */
export function transactionMessages(seed: number, firstIndex: number): (time: number) => Pick<Message, 'key' | 'value'> {
  const next = transactionGenerator(seed);
  let index = firstIndex;
  return (time) => {
    const account = `ACC${String(Math.floor(index++ / PER_ACCOUNT)).padStart(8, '0')}`;
    return { key: account, value: JSON.stringify({ ...next(time), account }) };
  };
}

/** The seed producer's records exactly: its generator's JSON, no account, no key. */
export function seedTransactionMessages(seed: number): (time: number) => Pick<Message, 'key' | 'value'> {
  const next = transactionGenerator(seed);
  return (time) => ({ value: JSON.stringify(next(time)) });
}

/** A record as produced: its producer timestamp (CreateTime) and whether the rules must flag it. */
export interface Produced {
  readonly createTime: number;
  readonly suspicious: boolean;
}

/** `<partition>/<offset>`, how produced records, rows and alerts are joined. */
export const coordinates = (partition: number, offset: number | string): string => `${partition}/${offset}`;

/** Reads every record of `topic` back, from the start, until `count` are in hand. */
export async function readProduced(brokers: readonly string[], topic: string, count: number, timeoutMs = 60_000): Promise<Map<string, Produced>> {
  const produced = new Map<string, Produced>();
  const consumer = kafkaClient(brokers, 'vigie-bench-fraud-readback').consumer({ groupId: `${topic}-readback` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${produced.size} of the ${count} records of ${topic} back`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const { amount } = JSON.parse(m.value!.toString()) as { amount: number };
            produced.set(coordinates(batch.partition, m.offset), { createTime: Number(m.timestamp), suspicious: amount > LIMIT_XAF });
          }
          if (produced.size >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return produced;
}
