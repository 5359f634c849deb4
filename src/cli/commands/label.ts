/**
 * `vigie label TRANSACTION_ID --account A --label fraud`: one label of a transaction (a confirmed
 * fraud, a chargeback, an analyst's verdict) sent to the labels topic, keyed by the account so it
 * lands in the partition of the account's transactions. Every running `vigie detect transactions`
 * stores it in PostgreSQL's `labels` table and forwards it into its transactions topic, where the
 * features that read labels step on it (docs/model-serving.md). The label is checked by the reader's own parser before
 * it is sent: what this command sends is never a dead letter.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { createProducer } from '../../adapters/kafka/producer.ts';
import { LABEL_KINDS, labelJson, parseLabelRecord } from '../../adapters/kafka/labelRecord.ts';
import { VigieError } from '../../errors.ts';
import { retryPolicy } from '../../retry.ts';
import { type Setting, addSettingOptions, resolveSettings } from '../config.ts';
import { fail } from '../fail.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { KAFKA_SETTING, optionalTopic, transactionSettings } from './detect.ts';

const labelSettings = {
  kafka: KAFKA_SETTING,
  labelsTopic: { ...transactionSettings.labelsTopic, schema: optionalTopic.pipe(z.string().min(1, 'a label is sent to a topic')) },
} satisfies Record<string, Setting>;

export function registerLabel(program: Command): void {
  const command = program
    .command('label')
    .argument('<transaction_id>', 'the transaction labelled (its transaction_id)')
    .description("send one label of a transaction to the labels topic (keyed by its account), which running `detect transactions` store in PostgreSQL and feed into the features that read labels")
    .requiredOption('--account <account>', "the transaction's account (the record's key)")
    .option('--label <kind>', `what is known of it: ${LABEL_KINDS.join(', ')}`, 'fraud')
    .option('--source <who>', 'who labelled it (chargebacks, analyst:alice, ...): one label per transaction, kind and source is kept', 'vigie-label')
    .option('--at <time>', 'when the label became known (ISO 8601); now by default')
    .option('--terminal <terminal>', "the transaction's terminal, when known (per-terminal features count the label only with it)");
  addSettingOptions(addSettingOptions(command, labelSettings), KAFKA_SECURITY_SETTINGS).action(async (id: string, flags: Record<string, string | undefined>) => {
    try {
      const resolved = resolveSettings(labelSettings, flags, process.env);
      const security = resolveKafkaSecurity(flags, process.env);
      const brokers = resolved['kafka'] as string[];
      const topic = resolved['labelsTopic'] as string;
      const at = flags['at'] === undefined ? Date.now() : Date.parse(flags['at']);
      if (Number.isNaN(at)) throw new VigieError('CONFIG_INVALID', `--at: expected an ISO 8601 time such as 2026-12-07T10:30:00Z, got ${JSON.stringify(flags['at'])}`);
      const transactionId = /^\d+$/.test(id) ? Number(id) : Number.NaN;
      const value = labelJson({
        transaction_id: transactionId,
        account: flags['account']!,
        label: flags['label'] as (typeof LABEL_KINDS)[number],
        at,
        source: flags['source']!,
        ...(flags['terminal'] === undefined ? {} : { terminal: flags['terminal'] }),
      });
      // the reader's own check: refused here with the same reason it would give
      const checked = parseLabelRecord(Buffer.from(flags['account']!), Buffer.from(value), { source: topic, partition: 0, offset: 0 }, Date.now());
      if (!checked.ok) throw new VigieError('CONFIG_INVALID', `nothing sent: ${checked.dead.reason.replace(/^transaction_id: .*/, `transaction_id: expected a whole number >= 0, got ${JSON.stringify(id)}`)}`);
      const producer = await createProducer(brokers, 'vigie-label', { retry: retryPolicy({ retries: 5 }), security });
      try {
        const [result] = await producer.send({ topic, acks: -1, messages: [{ key: flags['account']!, value }] });
        console.log(`sent ${checked.value.label} of transaction ${checked.value.transaction_id} (account ${checked.value.account}) to ${topic}/${result?.partition ?? 0}@${result?.baseOffset ?? '?'}`);
      } finally {
        await producer.disconnect();
      }
    } catch (error) {
      fail(error);
    }
  });
}
