/**
 * `vigie model shadow|promote|list`: the models that running `vigie detect transactions` score
 * with, changed on their compacted control topic (`transaction.models`) without a restart.
 * `shadow FILE` checks the model file (as detect would read it) and sends it as the shadow: scored
 * and stored beside the current model, deciding nothing. `promote` sends the shadow as the current
 * model and empties the shadow, in one batch (one partition: in this order). `list` reads the
 * topic and shows both.
 */
import type { Command } from 'commander';
import { CompressionTypes } from 'kafkajs';
import { z } from 'zod';
import { followModelChanges } from '../../adapters/kafka/modelChanges.ts';
import { modelRecordValue } from '../../adapters/kafka/modelRecord.ts';
import { createProducer } from '../../adapters/kafka/producer.ts';
import { VigieError } from '../../errors.ts';
import { type FraudModel, readFraudModel } from '../../models/fraudModel.ts';
import { ModelSlots } from '../../models/modelSlots.ts';
import { retryPolicy } from '../../retry.ts';
import { RuleBook } from '../../rules/ruleBook.ts';
import { type Setting, addSettingOptions, resolveSettings } from '../config.ts';
import { fail } from '../fail.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { KAFKA_SETTING, optionalTopic, transactionSettings } from './detect.ts';
import type { Connection } from './rules.ts';

const settings = {
  kafka: KAFKA_SETTING,
  modelsTopic: { ...transactionSettings.modelsTopic, schema: optionalTopic.pipe(z.string().min(1, 'the models live on a topic')) },
} satisfies Record<string, Setting>;

/** A command talks to brokers that are away for a few retries, then says so. */
const RETRY = retryPolicy({ retries: 5 });



export function registerModel(program: Command): void {
  const model = program.command('model').description('the fraud models that running `detect transactions` score with: a shadow beside the current one, promoted without a restart');
  define(
    model.command('shadow').argument('<file>', 'a model file written by `vigie train fraud`').description('check FILE and send it as the shadow model: scored and stored beside the current one (shadow_score, shadow_model), deciding nothing'),
    async (target, file) => {
      const shadow = readFraudModel(file!);
      await send(target, [{ key: 'shadow', value: modelRecordValue('shadow', shadow.file) }]);
      console.log(`sent ${shadow.version} as the shadow model to ${target.topic}`);
    },
  );
  define(model.command('promote').description('the shadow model becomes the current one (it decides from the next transaction on) and the shadow is emptied'), async (target) => {
    const { shadow } = await inForce(target);
    if (shadow === undefined) throw new VigieError('CONFIG_INVALID', `no shadow model on ${target.topic} to promote: send one with vigie model shadow FILE`);
    await send(target, [
      { key: 'current', value: modelRecordValue('current', shadow.file) },
      { key: 'shadow', value: null },
    ]);
    console.log(`promoted ${shadow.version} to the current model on ${target.topic}`);
  });
  define(model.command('list').description('the current and shadow models on the topic: version, threshold, features, training window').option('--json', 'one JSON array'), async (target, _, flags) => {
    const slots = await inForce(target);
    const rows = (['current', 'shadow'] as const).flatMap((role) => {
      const m = slots[role];
      return m === undefined ? [] : [{ role, version: m.version, threshold: m.threshold, features: m.features.length, trainedFrom: m.file.trainingWindow.from, trainedTo: m.file.trainingWindow.to }];
    });
    if (flags['json']) console.log(JSON.stringify(rows));
    else if (rows.length === 0) console.log(`no model on ${target.topic}: the rules alone decide`);
    else for (const r of rows) console.log(`${r.role.padEnd(7)}  ${r.version}  threshold ${r.threshold}  ${r.features} features  trained on ${r.trainedFrom} .. ${r.trainedTo}`);
  });
}

function define(command: Command, run: (target: Connection, argument: string | undefined, flags: Record<string, unknown>) => Promise<void>): void {
  addSettingOptions(addSettingOptions(command, settings), KAFKA_SECURITY_SETTINGS).action(async (...args: unknown[]) => {
    const argument = command.registeredArguments.length > 0 ? (args.shift() as string) : undefined;
    const flags = args[0] as Record<string, string | undefined>;
    try {
      const resolved = resolveSettings(settings, flags, process.env);
      await run({ brokers: resolved['kafka'] as string[], security: resolveKafkaSecurity(flags, process.env), topic: resolved['modelsTopic'] as string }, argument, flags);
    } catch (error) {
      fail(error);
    }
  });
}

/** The models on the topic now, read to its end. */
async function inForce({ brokers, security, topic }: Connection): Promise<{ current?: FraudModel; shadow?: FraudModel }> {
  const slots = new ModelSlots();
  const changes = followModelChanges({ brokers, security, topic, slots, book: new RuleBook(), labelsFed: true, retry: RETRY, log: (line) => line.startsWith('models: refused') && console.error(line) });
  try {
    await changes.caughtUp;
  } finally {
    await changes.stop();
  }
  return { ...(slots.current && { current: slots.current }), ...(slots.shadow && { shadow: slots.shadow }) };
}

/** Sends the records keyed by role, gzipped (a model is megabytes), acknowledged by every replica; the topic made compacted first. */
async function send(target: Connection, messages: { key: string; value: string | null }[]): Promise<void> {
  // reading the topic creates it compacted (with room for large models) when missing
  if (messages.some((m) => m.key === 'shadow' && m.value !== null)) await inForce(target);
  const producer = await createProducer(target.brokers, 'vigie-models', { retry: RETRY, security: target.security });
  try {
    await producer.send({ topic: target.topic, acks: -1, compression: CompressionTypes.GZIP, messages });
  } finally {
    await producer.disconnect();
  }
}
