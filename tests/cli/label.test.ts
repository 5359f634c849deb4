/**
 * `vigie label`: one label sent to the labels topic keyed by its account, in the JSON the reader
 * takes; a label the reader would refuse is refused before anything is sent.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseLabelRecord } from '../../src/adapters/kafka/labelRecord.ts';
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, vigie } from '../helpers/processes.ts';

afterAll(killAll);

describe('vigie label', () => {
  it('sends the label keyed by its account, and refuses a bad one with its reason', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('labels-cli');
    await createTopic(brokers, topic, 1);
    const flags = ['--kafka', brokers.join(','), '--labels-topic', topic];
    const sent = vigie(['label', '56789', '--account', 'ACC-12', '--label', 'chargeback', '--source', 'chargebacks', '--at', '2026-12-07T10:00:00Z', ...flags]);
    expect(await sent.exit, sent.output()).toBe(0);
    expect(sent.output()).toContain(`sent chargeback of transaction 56789 (account ACC-12) to ${topic}/0@0`);
    const bad = vigie(['label', 'T-1', '--account', 'ACC-12', ...flags]);
    expect(await bad.exit).not.toBe(0);
    expect(bad.output()).toContain('nothing sent: transaction_id: expected a whole number >= 0, got "T-1"');
    const wrongKind = vigie(['label', '7', '--account', 'ACC-12', '--label', 'maybe', ...flags]);
    expect(await wrongKind.exit).not.toBe(0);
    expect(wrongKind.output()).toMatch(/nothing sent: label: /);
    const [record] = await consumeAll(brokers, topic, 1);
    expect(record!.key).toBe('ACC-12');
    expect(parseLabelRecord(Buffer.from(record!.key!), Buffer.from(record!.value!), { source: topic, partition: 0, offset: 0 }, 0)).toMatchObject({
      ok: true,
      value: { transaction_id: 56789, account: 'ACC-12', label: 'chargeback', source: 'chargebacks', at: Date.parse('2026-12-07T10:00:00Z') },
    });
  }, 60_000);
});
