/**
 * `vigie rules list|add|disable|remove|test`: the fraud rules in force, and changes to them sent to the
 * control topic (`transaction.rules`), which every running `vigie detect transactions` follows.
 * A change is checked before it is sent: `add` sends nothing unless every rule of its file is
 * valid; `disable` and `remove` name a rule in force. `test` tries a draft on labelled history
 * (./rulesTest.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { connectFailed } from '../../adapters/kafka/outage.ts';
import { createProducer } from '../../adapters/kafka/producer.ts';
import { ensureRuleTopics, followRuleChanges } from '../../adapters/kafka/ruleChanges.ts';
import { type KafkaSecurity, kafkaSecurityConfig } from '../../adapters/kafka/security.ts';
import { VigieError } from '../../errors.ts';
import { retryAsync, retryPolicy } from '../../retry.ts';
import { checkRuleFile } from '../../rules/ruleFile.ts';
import type { RuleBook, RuleVersion } from '../../rules/ruleBook.ts';
import type { Rule } from '../../rules/schema.ts';
import { type Setting, addSettingOptions, resolveSettings } from '../config.ts';
import { fail } from '../fail.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { startingBook } from '../ruleSet.ts';
import { registerRulesTest } from './rulesTest.ts';
import { rulesInForceAt } from '../../rules/rulesInForceAt.ts';
import { KAFKA_SETTING, optionalTopic, transactionSettings } from './detect.ts';

const topicSettings = {
  kafka: KAFKA_SETTING,
  rulesTopic: { ...transactionSettings.rulesTopic, schema: optionalTopic.pipe(z.string().min(1, 'a command that sends a change needs a topic')) },
} satisfies Record<string, Setting>;

const changeSettings = { ...topicSettings, rulesFile: { ...transactionSettings.rulesFile, description: 'the rule file the running detect started from (--rules-file), when not the default rules' } } satisfies Record<string, Setting>;

const listSettings = {
  kafka: KAFKA_SETTING,
  rulesTopic: transactionSettings.rulesTopic,
  rulesFile: transactionSettings.rulesFile,
} satisfies Record<string, Setting>;

export interface Connection {
  readonly brokers: string[];
  readonly security: KafkaSecurity;
  readonly topic: string;
}

/** A command talks to brokers that are away for a few retries, then says so; it does not wait for ever as detect does. */
const RETRY = retryPolicy({ retries: 5 });

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('the fraud rules in force, changes to them on the control topic that running `detect transactions` follow, and a draft tried on labelled history');
  registerRulesTest(rules);

  const list = rules
    .command('list')
    .description('the rules in force: the rule file (or the default rules) with the control topic\'s changes on top, the newest version of each')
    .option('--json', 'one JSON array: each rule with its version, enabled, from, source and definition')
    .option('--at <time>', 'the rules in force at this event time (ISO 8601, e.g. 2026-12-07T10:30:00Z) instead of the newest: the versions that judged a transaction of that time');
  define(list, listSettings, async (target, _, flags) => {
    const at = flags['at'] as string | undefined;
    const time = at === undefined ? undefined : Date.parse(at);
    if (time !== undefined && Number.isNaN(time)) throw new VigieError('CONFIG_INVALID', `--at: expected an ISO 8601 time such as 2026-12-07T10:30:00Z, got ${JSON.stringify(at)}`);
    const book = await bookInForce(target, target['rulesFile'] as string | undefined);
    const versions = time === undefined ? book.list() : rulesInForceAt(book, time);
    console.log(flags['json'] ? JSON.stringify(versions.map(listed)) : table(versions.map(listed)));
  });

  const add = rules
    .command('add')
    .argument('<file>', 'a rule set file ({ "rules": [...] }) or a single rule, in the rule language')
    .description('check every rule of FILE and send each to the control topic keyed by its id; an invalid one is refused with its reason and nothing is sent');
  define(add, topicSettings, async (target, file) => {
    let text: string;
    try {
      text = readFileSync(file!, 'utf8');
    } catch (error) {
      throw new VigieError('FILE_INVALID', `cannot read the rule file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { where: { file: file! } });
    }
    const checked = checkRuleFile(text);
    if (!checked.ok) throw new VigieError('FILE_INVALID', `${file}: nothing sent, ${checked.reasons.length === 1 ? 'a rule is' : `${checked.reasons.length} rules are`} invalid:\n  ${checked.reasons.join('\n  ')}`);
    await send(target, checked.rules.map((rule) => ({ id: rule.id, rule })));
  });

  const disable = rules
    .command('disable')
    .argument('<id>', 'the rule to disable')
    .description('send the newest version + 1 of rule ID with enabled: false (it judges nothing and keeps no state from its record time on)');
  define(disable, changeSettings, async (target, id) => {
    const newest = inForce(await bookInForce(target, target['rulesFile'] as string | undefined), id!);
    await send(target, [{ id: id!, rule: { ...newest.rule.rule, version: newest.rule.version + 1, enabled: false } }]);
  });

  const remove = rules
    .command('remove')
    .argument('<id>', 'the rule to remove')
    .description('send a tombstone for rule ID: it is removed from the rules in force, its state goes with each account\'s next transaction');
  define(remove, changeSettings, async (target, id) => {
    inForce(await bookInForce(target, target['rulesFile'] as string | undefined), id!);
    await send(target, [{ id: id!, rule: null }]);
  });
}

type Target = Connection & Readonly<Record<string, unknown>>;

/** The command's settings and the Kafka security flags, resolved before `run`; any error ends the command with its message. */
function define(command: Command, settings: Readonly<Record<string, Setting>>, run: (target: Target, argument: string | undefined, flags: Record<string, unknown>) => Promise<void>): void {
  addSettingOptions(addSettingOptions(command, settings), KAFKA_SECURITY_SETTINGS).action(async (...args: unknown[]) => {
    const argument = command.registeredArguments.length > 0 ? (args.shift() as string) : undefined;
    const flags = args[0] as Record<string, string | undefined>;
    try {
      await run(connection(settings, flags), argument, flags);
    } catch (error) {
      fail(error);
    }
  });
}

function connection(settings: Readonly<Record<string, Setting>>, flags: Record<string, string | undefined>): Target {
  const resolved = resolveSettings(settings, flags, process.env);
  const security = resolveKafkaSecurity(flags, process.env);
  return { ...resolved, brokers: resolved['kafka'] as string[], security, topic: resolved['rulesTopic'] as string };
}

/** The rules in force now: the starting file's (or the default ones), then the whole topic. */
async function bookInForce({ brokers, security, topic }: Connection, rulesFile: string | undefined): Promise<RuleBook> {
  const book = startingBook({ rulesFile });
  if (topic === '') return book;
  const changes = followRuleChanges({ brokers, security, topic, book, retry: RETRY, log: (line) => line.startsWith('rules: refused') && console.error(line) });
  try {
    await changes.caughtUp;
  } finally {
    await changes.stop();
  }
  return book;
}

function inForce(book: RuleBook, id: string): RuleVersion & { rule: NonNullable<RuleVersion['rule']> } {
  const found = book.list().find((v) => v.id === id);
  if (found?.rule == null) throw new VigieError('CONFIG_INVALID', `no rule ${id} in force; in force: ${book.list().map((v) => v.id).join(', ') || 'none'}`);
  return found as RuleVersion & { rule: NonNullable<RuleVersion['rule']> };
}

/** Sends the changes keyed by rule id, each acknowledged by every replica, and says where each went. */
async function send({ brokers, security, topic }: Connection, changes: readonly { id: string; rule: Rule | null }[]): Promise<void> {
  const admin = new Kafka({ clientId: 'vigie-rules', brokers, logLevel: logLevel.NOTHING, ...kafkaSecurityConfig(security) }).admin();
  await retryAsync(RETRY, () => admin.connect().catch((cause: unknown) => Promise.reject(connectFailed(brokers, cause))));
  try {
    await ensureRuleTopics(admin, topic, '', (line) => console.error(line));
  } finally {
    await admin.disconnect();
  }
  const producer = await createProducer(brokers, 'vigie-rules', { retry: RETRY, security });
  try {
    const [result] = await producer.send({ topic, acks: -1, messages: changes.map(({ id, rule }) => ({ key: id, value: rule === null ? null : JSON.stringify(rule) })) });
    const first = Number(result?.baseOffset ?? 0);
    changes.forEach(({ id, rule }, i) => {
      const what = rule === null ? `removal of ${id}` : `${id} v${rule.version}${rule.enabled === false ? ' (disabled)' : ''}`;
      console.log(`sent ${what} to ${topic}/${result?.partition ?? 0}@${first + i}`);
    });
  } finally {
    await producer.disconnect();
  }
}

/** What `rules list` shows of a version. */
function listed(v: RuleVersion) {
  const rule = v.rule!;
  return {
    id: v.id,
    version: rule.version,
    enabled: rule.enabled,
    from: Number.isFinite(v.at) ? new Date(v.at).toISOString() : null,
    source: v.source,
    description: rule.rule.description ?? '',
    rule: rule.rule,
  };
}

function table(rows: readonly ReturnType<typeof listed>[]): string {
  const head = ['id', 'version', 'enabled', 'from', 'source', 'description'];
  const cells = rows.map((r) => [r.id, String(r.version), r.enabled ? 'yes' : 'no', r.from ?? '-', r.source, r.description]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}
