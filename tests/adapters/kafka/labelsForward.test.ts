/**
 * The labels forwarder on a real broker: labels another client sends (bad records among them) are
 * re-produced into the transactions topic, each in its account's partition (murmur2 of the key,
 * as the transactions' producers partition), its value the exact bytes, marked
 * `vigie-record: label`; the bad ones are not forwarded. Stopped, and started again in the same
 * group, and raced by a second forwarder of the same group, it forwards each label exactly once:
 * the offsets travel in the Kafka transaction of the records.
 */
import { describe, expect, inject, it } from 'vitest';
import { LABEL_RECORD, RECORD_HEADER, partitionOf } from '../../../src/adapters/kafka/labelEvent.ts';
import { labelJson } from '../../../src/adapters/kafka/labelRecord.ts';
import { LABEL_REF_HEADER, forwardGroup, forwardLabels } from '../../../src/adapters/kafka/labelsForward.ts';
import { consumeAll, createTopic, produceAll, uniqueTopic } from '../../helpers/kafka.ts';

const at = Date.parse('2026-12-07T09:00:00Z');
const labels = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const account = `ACC-${(from + i) % 17}`;
    return { key: account, value: labelJson({ transaction_id: from + i, account, label: 'fraud', at, source: 'chargebacks', terminal: `T-${i % 5}` }) };
  });

describe('forwardLabels', () => {
  it("forwards each label once into its account's partition of the transactions topic, across a restart and a second forwarder", async () => {
    const brokers = inject('kafkaBrokers');
    const from = uniqueTopic('labels-forward-from');
    const to = uniqueTopic('labels-forward-to');
    await createTopic(brokers, from, 2);
    await createTopic(brokers, to, 3);
    const first = labels(0, 40);
    await produceAll(brokers, from, [...first, { key: 'ACC-1', value: Buffer.from([0x7b, 0xff]) }, { key: 'ACC-2', value: labelJson({ transaction_id: 9, account: 'ACC-3', label: 'fraud', at, source: 'x' }) }]);
    const lines: string[] = [];
    const one = forwardLabels({ brokers, from, to: [to], log: (l) => lines.push(l) });
    await consumeAll(brokers, to, first.length, 60_000);
    await one.stop();

    const second = labels(40, 40);
    await produceAll(brokers, from, second);
    // started again, and a second one of the same group beside it: they share the partitions
    const two = forwardLabels({ brokers, from, to: [to], log: (l) => lines.push(l) });
    const three = forwardLabels({ brokers, from, to: [to], log: (l) => lines.push(l) });
    try {
      const all = [...first, ...second];
      await consumeAll(brokers, to, all.length, 60_000);
      await new Promise((r) => setTimeout(r, 2_000));
      const forwarded = await consumeAll(brokers, to, all.length, 60_000);
      expect(forwarded, `exactly once:\n${lines.join('\n')}`).toHaveLength(all.length);
      expect(forwarded.map((r) => r.value).sort()).toEqual(all.map((l) => l.value).sort());
      for (const r of forwarded) {
        expect(r.headers[RECORD_HEADER]).toBe(LABEL_RECORD);
        expect(r.headers[LABEL_REF_HEADER]).toMatch(new RegExp(`^${from}/[01]@\\d+$`));
        expect(r.partition, `${r.key}'s partition`).toBe(partitionOf(Buffer.from(r.key!), 3));
      }
      // per account, in the order they were sent
      for (const account of new Set(all.map((l) => l.key))) {
        const sent = all.filter((l) => l.key === account).map((l) => l.value);
        expect(forwarded.filter((r) => r.key === account).map((r) => r.value)).toEqual(sent);
      }
      expect(forwardGroup(from, [to])).toBe(`vigie-labels-forward.${from}.${to}`);
    } finally {
      await Promise.all([two.stop(), three.stop()]);
    }
  }, 180_000);
});
