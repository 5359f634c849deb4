/** `vigie detect sensors|transactions`: the flows fed by Kafka; see ../detect.ts. */
import type { Command } from 'commander';
import { z } from 'zod';
import { type Setting, SETTINGS, addSettingOptions, resolveSettings } from '../config.ts';
import { type DetectConfig, detect } from '../detect.ts';
import { fail } from '../fail.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { RULE_NAMES } from '../../operators/rules/index.ts';
import { runUntilSignal } from '../run.ts';

export const KAFKA_SETTING: Setting = {
  flag: '--kafka <brokers>',
  env: 'KAFKA_BROKERS',
  fallback: '127.0.0.1:9092',
  schema: z
    .string()
    .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'expected host:port[,host:port...]')
    .transform((s) => s.split(',')),
  description: 'Kafka bootstrap brokers',
};

/** One topic or several, comma-separated; the sensor flow keeps each topic's windows and logs apart. */
const topicsSetting = (fallback: string, what: string): Setting => ({
  flag: '--topic <names>',
  env: 'VIGIE_TOPIC',
  fallback,
  schema: z
    .string()
    .transform((s) => s.split(',').map((name) => name.trim()))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name is 1 to 249 of A-Z a-z 0-9 . _ -')).min(1)),
  description: `Kafka topics of the ${what}, comma-separated (e.g. humidite,temperature)`,
});

/** A topic name, or '' for none. */
export const optionalTopic = z.string().regex(/^([A-Za-z0-9._-]{1,249})?$/, "a Kafka topic name is 1 to 249 of A-Z a-z 0-9 . _ -, or '' for none");

const shared = {
  kafka: KAFKA_SETTING,
  group: { flag: '--group <id>', env: 'VIGIE_GROUP', schema: z.string().min(1).optional(), description: 'consumer group (default: vigie-<flow>)' },
  from: {
    flag: '--from <position>',
    env: 'VIGIE_FROM',
    fallback: 'committed',
    schema: z.enum(['committed', 'earliest', 'latest']),
    description: 'where to start: the group\'s committed offsets (earliest when none), earliest, or latest when none is committed',
  },
  maxInFlight: {
    flag: '--max-in-flight <n>',
    env: 'VIGIE_MAX_IN_FLIGHT',
    fallback: '1000',
    schema: z.coerce.number().int().min(1),
    description: 'records read but not yet written, at most; fetching pauses above',
  },
  sessionTimeout: {
    flag: '--session-timeout <ms>',
    env: 'VIGIE_SESSION_TIMEOUT',
    fallback: '30000',
    schema: z.coerce.number().int().min(6000).max(300_000),
    description: 'how long the group waits for a silent member (a crashed process) before giving its partitions to others',
  },
  dataDir: SETTINGS.dataDir,
  databaseUrl: SETTINGS.databaseUrl,
  databaseSslMode: SETTINGS.databaseSslMode,
  databaseCa: SETTINGS.databaseCa,
  databaseCert: SETTINGS.databaseCert,
  databaseKey: SETTINGS.databaseKey,
  dashboardPort: SETTINGS.dashboardPort,
  dashboardHost: SETTINGS.dashboardHost,
  dashboardToken: SETTINGS.dashboardToken,
  dashboardAllowedHosts: SETTINGS.dashboardAllowedHosts,
  maxOutage: SETTINGS.maxOutage,
} satisfies Record<string, Setting>;

const sensorSettings = {
  topic: topicsSetting('humidite', 'readings'),
  ...shared,
  detectors: SETTINGS.detectors,
  window: SETTINGS.window,
  eps: SETTINGS.eps,
  minSamples: SETTINGS.minSamples,
  trees: SETTINGS.trees,
  sampleSize: SETTINGS.sampleSize,
  threshold: SETTINGS.threshold,
  seed: SETTINGS.seed,
} satisfies Record<string, Setting>;

export const transactionSettings = {
  topic: topicsSetting('transaction', 'transactions'),
  ...shared,
  // Records read and not yet committed to PostgreSQL (the commit is the transaction that writes
  // their rows): the window must hold what arrives while one transaction runs, a checkpoint of the
  // accounts' state included, or the rules wait for it. 1 000 stalled the default rules on a
  // backlog (1 368 records/s against 2 017 before the transactional path, npm run bench -- spark,
  // 2026-12-07, load 11-13 on 2 cores); 20 000 records are a few MB.
  maxInFlight: { ...shared.maxInFlight, fallback: '20000' },
  amountLimit: SETTINGS.amountLimit,
  allowedLateness: {
    flag: '--allowed-lateness <ms>',
    env: 'VIGIE_ALLOWED_LATENESS',
    fallback: '30000',
    schema: z.coerce.number().int().min(0),
    description: "how far (event time) behind its partition's newest a transaction may arrive and still take its place in its account's history, revising later decisions; nothing waits for it",
  },
  rules: {
    flag: '--rules <names>',
    env: 'VIGIE_RULES',
    fallback: RULE_NAMES.join(','),
    schema: z
      .string()
      .transform((s) => s.split(',').map((name) => name.trim()))
      .pipe(z.array(z.enum(RULE_NAMES)).min(1)),
    description: `the rules that judge, comma-separated, among ${RULE_NAMES.join(', ')}; \`amount\` alone is the prototype's rule set`,
  },
  rulesFile: {
    flag: '--rules-file <file>',
    env: 'VIGIE_RULES_FILE',
    schema: z.string().min(1).optional(),
    description: 'a rule set file in the rule language (`{ "rules": [...] }`, see docs/rules.md) instead of the default rules (rules/default.json with --rules and --amount-limit written into it)',
  },
  rulesTopic: {
    flag: '--rules-topic <name>',
    env: 'VIGIE_RULES_TOPIC',
    fallback: 'transaction.rules',
    schema: optionalTopic,
    description: "compacted Kafka topic of rule changes (key: rule id, value: its JSON, none to remove it), read whole before the first transaction is judged, then followed; `--rules-topic ''` turns live changes off",
  },
  ruleKeys: {
    flag: '--rule-keys <keys>',
    env: 'VIGIE_RULE_KEYS',
    fallback: '',
    schema: z
      .string()
      .transform((s) => s.split(',').map((key) => key.trim()).filter((key) => key !== ''))
      .pipe(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*(\+[A-Za-z_][A-Za-z0-9_.]*)*$/, 'expected fields such as terminal or terminal+channel'))),
    description:
      'keys other than the account that rules may keep state by, comma-separated (`terminal`, `terminal+channel`), besides those of the starting rules: a rule keyed by another one, sent while it runs, is refused until a restart names it here',
  },
  rulesRejectedTopic: {
    flag: '--rules-rejected-topic <name>',
    env: 'VIGIE_RULES_REJECTED_TOPIC',
    fallback: 'transaction.rules.rejected',
    schema: optionalTopic,
    description: "Kafka topic where refused rule changes go with their reason; `''` logs them only",
  },
  model: {
    flag: '--model <file>',
    env: 'VIGIE_MODEL',
    schema: z.string().min(1).optional(),
    description:
      'a fraud model file (`vigie train fraud`) that scores every transaction beside the rules: its feature rules join the rule book, a probability at or above its threshold flags the transaction, and suspicious rows, alerts and logs carry its score, version and top features (see docs/model-serving.md)',
  },
  modelsTopic: {
    flag: '--models-topic <name>',
    env: 'VIGIE_MODELS_TOPIC',
    fallback: 'transaction.models',
    schema: optionalTopic,
    description:
      "compacted Kafka topic of the models that score (key: current or shadow; `vigie model shadow|promote`), read whole before the first transaction, then followed: a shadow is scored and stored beside the current model, a promoted one decides from the next transaction on; `--models-topic ''` turns it off",
  },
  labelsTopic: {
    flag: '--labels-topic <name>',
    env: 'VIGIE_LABELS_TOPIC',
    fallback: 'transaction.labels',
    schema: optionalTopic,
    description: "Kafka topic of transactions' labels (confirmed fraud, chargeback, analyst verdict; JSON keyed by account, see docs/model-serving.md), stored in PostgreSQL's labels table as they come and forwarded, exactly once, into the transactions topic (each in its account's partition), where the features that read labels step on them; `--labels-topic ''` reads none, and refuses a model whose features read labels",
  },
  storeTransactions: {
    flag: '--store-transactions',
    env: 'VIGIE_STORE_TRANSACTIONS',
    schema: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1')]).optional(),
    description:
      "store every transaction (its JSON as the topic gave it, its event time and coordinates) in PostgreSQL's transactions table, in the transaction that commits its offset: the labelled history `vigie train fraud --from-database` trains on. Off by default: a row per transaction, not per suspicious one, costs the database's disk and CPU (docs/models.md)",
  },
  alertsTopic: { flag: '--alerts-topic <name>', env: 'VIGIE_ALERTS_TOPIC', fallback: 'transaction.alerts', schema: z.string(), description: "Kafka topic of the alerts (one JSON per suspicious transaction); `--alerts-topic ''` sends none, for a deployment that reads PostgreSQL only" },
  dlqTopic: { flag: '--dlq-topic <name>', env: 'VIGIE_DLQ_TOPIC', fallback: 'transaction.dlq', schema: z.string().min(1), description: 'Kafka topic of the dead letters' },
} satisfies Record<string, Setting>;

export function registerDetect(program: Command): void {
  const detectCommand = program.command('detect').description('run a detection flow on a Kafka topic, results in PostgreSQL and logs');
  const flows = [
    ['sensors', sensorSettings, 'the detectors named by --detector (DBSCAN and IsolationForest by default) on the readings of one or more topics (each value a decimal number as UTF-8 text), each series (topic, partition, record key) apart'],
    ['transactions', transactionSettings, 'the suspicious-transaction rules on JSON transactions'],
  ] as const;
  for (const [kind, settings, description] of flows) {
    const command = detectCommand.command(kind).description(description);
    addSettingOptions(command, settings);
    addSettingOptions(command, KAFKA_SECURITY_SETTINGS);
    command.action(async (flags: Record<string, string | undefined>) => {
      let config: DetectConfig;
      try {
        const resolved = resolveSettings(settings, flags, process.env);
        const kafkaSecurity = resolveKafkaSecurity(flags, process.env);
        config = { ...SETTING_DEFAULTS, ...resolved, kind, group: (resolved['group'] as string | undefined) ?? `vigie-${kind}`, kafkaSecurity } as DetectConfig;
      } catch (error) {
        fail(error);
      }
      await runUntilSignal(`detect ${kind}`, (log) => detect(config, log));
    });
  }
}

/** What one flow does not read still has to be in the config: the defaults of `vigie start`. */
const SETTING_DEFAULTS = resolveSettings(SETTINGS, {}, {});
