/**
 * The control topic on a real broker: created compacted when missing, read to its end before
 * `caughtUp`, then followed; refusals (generated bad values among them) logged and sent to the
 * rejected topic while the rules in force stay as they were.
 */
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { followRuleChanges } from '../../../src/adapters/kafka/ruleChanges.ts';
import { defaultRuleFile } from '../../../src/rules/defaultRules.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import { consumeAll, uniqueTopic } from '../../helpers/kafka.ts';
import { until } from '../../helpers/processes.ts';

const amount = defaultRuleFile().find((rule) => rule.id === 'amount')!;
const frequency = defaultRuleFile().find((rule) => rule.id === 'frequency')!;

async function produce(brokers: readonly string[], topic: string, messages: { key: string | Buffer | null; value: string | Buffer | null }[]): Promise<void> {
  const producer = new Kafka({ clientId: 'vigie-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

async function cleanupPolicy(brokers: readonly string[], topic: string): Promise<string | undefined> {
  const admin = new Kafka({ clientId: 'vigie-test', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false });
    return resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
  } finally {
    await admin.disconnect();
  }
}

describe('followRuleChanges', () => {
  it('creates the topic compacted, applies what it holds before caughtUp, then follows it; refusals go to the rejected topic', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('rules');
    const rejected = uniqueTopic('rules-rejected');
    const lines: string[] = [];
    const book = RuleBook.of([amount, frequency], 'file');
    const first = followRuleChanges({ brokers, topic, rejectedTopic: rejected, book, log: (l) => lines.push(l) });
    await first.caughtUp; // an empty topic: at once
    await first.stop();
    expect(await cleanupPolicy(brokers, topic)).toBe('compact');
    expect(lines).toContain(`rules: created the control topic ${topic} (compacted)`);

    // generated bad values, between two valid changes
    const bad = fc.sample(fc.oneof(fc.string(), fc.jsonValue().map((j) => JSON.stringify(j)), fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.from(b))), { numRuns: 30, seed: 23 });
    const v2 = { ...frequency, version: 2, limit: 3 };
    await produce(brokers, topic, [
      { key: 'frequency', value: JSON.stringify(v2) },
      ...bad.map((value) => ({ key: 'amount', value })),
      { key: 'amount', value: JSON.stringify({ ...amount, version: 2, compare: '~' }) },
      { key: 'amount', value: null },
    ]);
    const book2 = RuleBook.of([amount, frequency], 'file');
    const lines2: string[] = [];
    const second = followRuleChanges({ brokers, topic, rejectedTopic: rejected, book: book2, log: (l) => lines2.push(l) });
    try {
      await second.caughtUp;
      // all applied before caughtUp: frequency v2 in force, amount removed, every bad value refused
      expect(book2.list().map((v) => `${v.id}@${v.rule!.version}`)).toEqual(['frequency@2']);
      expect(lines2.filter((l) => l.startsWith('rules: refused amount'))).toHaveLength(bad.length + 1);
      expect(lines2).toContain(`rules: refused amount (${topic}/0@${bad.length + 1}): compare: Invalid option: expected one of ">"|">="|"<"|"<="`);
      const refusals = await consumeAll(brokers, rejected, bad.length + 1);
      const last = JSON.parse(refusals.at(-1)!.value!) as { id: string; reason: string; raw: string; source: string; at: string };
      expect(refusals.at(-1)!.key).toBe('amount');
      expect(last).toMatchObject({ id: 'amount', source: `${topic}/0@${bad.length + 1}` });
      expect(last.reason).toMatch(/^compare: /);
      expect(JSON.parse(last.raw)).toMatchObject({ compare: '~' });

      // followed: a change produced now is applied within a second or so
      const sent = Date.now();
      await produce(brokers, topic, [{ key: 'amount', value: JSON.stringify({ ...amount, version: 3 }) }]);
      await until('amount v3 applied', async () => (book2.list().some((v) => v.id === 'amount' && v.rule?.version === 3) ? true : undefined), 10_000);
      const delay = Date.now() - sent;
      console.log(`ruleChanges: a change applied ${delay} ms after it was produced`);
      expect(delay).toBeLessThan(5_000);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
