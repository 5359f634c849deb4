/**
 * The control topic's reader while its broker is away longer than kafkajs's own retries (about
 * 20 s): killed (SIGKILL), then started again on the same port and data. The reader must not give
 * up (a `detect transactions` would lose its live rules, or stop), must apply the changes produced
 * after the broker came back, and must not apply again (nor refuse again) the ones it had.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafkaBroker } from '../../../src/adapters/kafka/broker.ts';
import { followRuleChanges } from '../../../src/adapters/kafka/ruleChanges.ts';
import { defaultRuleFile } from '../../../src/rules/defaultRules.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import { retryPolicy } from '../../../src/retry.ts';
import { until } from '../../helpers/processes.ts';

const OUTAGE_MS = 26_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const amount = defaultRuleFile().find((rule) => rule.id === 'amount')!;

async function produce(brokers: readonly string[], topic: string, key: string, value: string): Promise<void> {
  const producer = new Kafka({ clientId: 'vigie-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

describe('followRuleChanges across a broker outage', () => {
  it('keeps following once the broker is back, each change applied once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vigie-rules-outage-kafka-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let broker: KafkaBroker = await startKafkaBroker({ dataDir });
    cleanups.push(() => broker.stop('SIGKILL'));
    const { brokers, port } = broker;
    const topic = 'transaction.rules';
    const lines: string[] = [];
    const book = RuleBook.of([amount], 'file');
    const changes = followRuleChanges({ brokers, topic, rejectedTopic: 'transaction.rules.rejected', book, log: (l) => lines.push(l), retry: retryPolicy({ maxDelayMs: 2_000 }) });
    cleanups.push(() => changes.stop());
    await changes.caughtUp;
    await produce(brokers, topic, 'amount', JSON.stringify({ ...amount, version: 2 }));
    await produce(brokers, topic, 'amount', 'not json');
    await until('v2 applied', async () => (book.list()[0]?.rule?.version === 2 ? true : undefined), 15_000);

    await broker.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    broker = await startKafkaBroker({ dataDir, port });
    await produce(brokers, topic, 'amount', JSON.stringify({ ...amount, version: 3 }));
    await until('v3 applied after the outage', async () => (book.list()[0]?.rule?.version === 3 ? true : undefined), 90_000);

    expect(lines.filter((l) => l.startsWith('rules: amount v2'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('rules: refused amount'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('rules: amount v3'))).toHaveLength(1);
    expect(book.history().map((v) => v.rule?.version)).toEqual([1, 2, 3]);
  }, 240_000);
});
