/**
 * `vigie simulate bank`: a seeded, labelled bank (src/adapters/simulatedBank/), written as the
 * labelled CSV to a file or stdout, or produced to Kafka (transactions in vigie's JSON, labels on
 * their own topic after a delay of event time), a day at a time, with progress on stderr.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { createLightProducer } from '../../adapters/kafka/lightProducer.ts';
import type { KafkaSecurity } from '../../adapters/kafka/security.ts';
import { produceBank } from '../../adapters/simulatedBank/bankKafka.ts';
import { BANK_PROFILES, checkBankOptions } from '../../adapters/simulatedBank/bankRun.ts';
import { type BankTally, writeBankCsv } from '../../adapters/simulatedBank/bankCsv.ts';
import { type Bank, openBank } from '../../adapters/simulatedBank/simulateBank.ts';
import { VigieError } from '../../errors.ts';
import { retryPolicy } from '../../retry.ts';
import { addSettingOptions } from '../config.ts';
import { fail } from '../fail.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { progress } from '../progress.ts';
import { Invalid, checker, parseBrokers, parseTopic } from './produce.ts';

interface BankFlags {
  readonly profile: string;
  readonly seed: string;
  readonly customers?: string;
  readonly terminals?: string;
  readonly days?: string;
  readonly start?: string;
  readonly out?: string;
  readonly kafka?: string | true;
  readonly topic: string;
  readonly labelsTopic: string;
  readonly rate: string;
  readonly labelDelay: string;
}

/** Where and how fast to produce, checked. */
interface KafkaTarget {
  readonly brokers: string[];
  readonly security: KafkaSecurity;
  readonly topic: string;
  readonly labelsTopic: string;
  /** Transactions a second; 0 as fast as the broker takes them. */
  readonly rate: number;
  readonly labelDelayMs: number;
}

export function registerSimulateBank(simulate: Command): void {
  const bank = simulate
    .command('bank')
    .description("simulate a bank's labelled transactions (customers, terminals, frauds of known kinds): a CSV to --out, or to Kafka with --kafka")
    .option('--profile <name>', `${BANK_PROFILES.join(' or ')}: Cameroonian cities, XAF, card and mobile money; or the Handbook's simulator and parameters`, 'cameroon')
    .option('--seed <n>', 'the seed: the same seed and options give the same bytes', '1')
    .option('--customers <n>', "how many customers (default: the profile's, cameroon 100000, handbook 5000)")
    .option('--terminals <n>', "how many terminals and mobile-money agents (default: the profile's, cameroon 20000, handbook 10000)")
    .option('--days <n>', "how many days (default: the profile's, cameroon 30, handbook 183)")
    .option('--start <date>', "the first day, YYYY-MM-DD (UTC) (default: the profile's, cameroon 2026-01-01, handbook 2018-04-01)")
    .option('--out <file>', 'the labelled CSV, - for stdout')
    .option('--kafka [brokers]', 'produce to Kafka instead: comma-separated host:port list; env KAFKA_BROKERS (default: 127.0.0.1:9092)')
    .option('--topic <topic>', 'with --kafka: the transactions, keyed by account', 'transaction')
    .option('--labels-topic <topic>', "with --kafka: the frauds' labels, keyed by account", 'transaction.labels')
    .option('--rate <rate>', 'with --kafka: transactions per second (500, 500/s or 3000/min), 0 for as fast as the broker takes them', '1000')
    .option('--label-delay <time>', 'with --kafka: event time between a fraud and its label: 7d, 36h, 90min, 30s or 0', '7d');
  addSettingOptions(bank, KAFKA_SECURITY_SETTINGS).action(async (flags: BankFlags) => {
    try {
      await simulateBank(flags);
    } catch (error) {
      fail(error);
    }
  });
}

async function simulateBank(flags: BankFlags): Promise<void> {
  const options = { profile: flags.profile as Bank['options']['profile'], seed: flags.seed, customers: flags.customers, terminals: flags.terminals, days: flags.days, start: flags.start };
  checkBankOptions(options, '--'); // every flag checked before a million customers are made
  const kafka = flags.kafka === undefined ? undefined : parseKafkaTarget(flags, process.env);
  if (kafka !== undefined && flags.out !== undefined) throw new VigieError('CONFIG_INVALID', 'simulate bank: give --out or --kafka, not both');
  if (kafka === undefined && (flags.out === undefined || flags.out === '')) throw new VigieError('CONFIG_INVALID', 'simulate bank: give --out FILE.csv (or --out - for stdout), or --kafka');
  const bank = openBank(options, '--');
  const started = Date.now();
  if (kafka !== undefined) return produce(bank, kafka, started);
  const bar = progress('simulate bank (days)', { total: bank.options.days, everyMs: 5_000 });
  const out = flags.out === '-' ? process.stdout : createWriteStream(flags.out!);
  const tally = await writeBankCsv(bank, out, (day) => bar.update(day.day + 1));
  if (out !== process.stdout) {
    out.end();
    await finished(out);
  }
  bar.finish();
  console.error(summary(bank, tally, Date.now() - started));
}

async function produce(bank: Bank, kafka: KafkaTarget, started: number): Promise<void> {
  const where = kafka.brokers.join(',');
  const retry = retryPolicy({
    onRetry: (error, attempt, ms) => console.error(`vigie: ${(error as Error).message}; retry ${attempt} in ${ms} ms`),
  });
  const producer = await createLightProducer(kafka.brokers, 'vigie-simulate-bank', { retry, security: kafka.security });
  console.error(
    `vigie: producing the simulated bank to ${kafka.topic} (labels to ${kafka.labelsTopic} after ${kafka.labelDelayMs / 1000} s of event time) on ${where}` +
      (kafka.rate > 0 ? ` at ${kafka.rate}/s` : ' as fast as the broker takes them'),
  );
  const bar = progress('simulate bank (transactions)', { everyMs: 5_000 });
  try {
    const sent = await produceBank(bank, producer, {
      rate: kafka.rate,
      transactions: kafka.topic,
      labels: kafka.labelsTopic,
      labelDelayMs: kafka.labelDelayMs,
      retry,
      onProgress: ({ transactions }) => bar.update(transactions),
    });
    bar.finish();
    console.error(`vigie: sent ${sent.transactions} transactions to ${kafka.topic} and ${sent.labels} labels to ${kafka.labelsTopic} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await producer.close();
  }
}

/** `500`, `500/s` or `3000/min` transactions, per second; `0` for no limit; {@link Invalid} otherwise. */
export function parseBankRate(raw: string): number | Invalid {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|min))?$/.exec(raw.trim());
  const perSecond = match ? Number(match[1]) / (match[2] === 'min' ? 60 : 1) : Number.NaN;
  return perSecond <= 10_000_000 ? perSecond : new Invalid('expected transactions per second such as 500, 500/s or 3000/min, 0 for no limit');
}

/** `7d`, `36h`, `90min`, `30s` or `0`, in ms; {@link Invalid} otherwise. */
export function parseDelay(raw: string): number | Invalid {
  const match = /^(\d+(?:\.\d+)?)(d|h|min|s)?$/.exec(raw.trim());
  const unit = { d: 86_400_000, h: 3_600_000, min: 60_000, s: 1_000 } as const;
  if (!match || (match[2] === undefined && Number(match[1]) !== 0)) return new Invalid('expected a time such as 7d, 36h, 90min, 30s, or 0');
  return Math.round(Number(match[1]) * (match[2] === undefined ? 0 : unit[match[2] as keyof typeof unit]));
}

/** The Kafka flags, checked: every bad one named in one CONFIG_INVALID error. */
export function parseKafkaTarget(flags: BankFlags, env: NodeJS.ProcessEnv): KafkaTarget {
  const problems: string[] = [];
  const check = checker(problems);
  let security: KafkaSecurity = {};
  try {
    security = resolveKafkaSecurity(flags, env);
  } catch (error) {
    problems.push((error as Error).message.replace(/^[^\n]*\n  /, ''));
  }
  const given = typeof flags.kafka === 'string';
  const target: KafkaTarget = {
    brokers: check(given ? '--kafka' : env['KAFKA_BROKERS'] ? 'KAFKA_BROKERS (environment)' : '--kafka', given ? (flags.kafka as string) : env['KAFKA_BROKERS'] || '127.0.0.1:9092', parseBrokers),
    security,
    topic: check('--topic', flags.topic, parseTopic),
    labelsTopic: check('--labels-topic', flags.labelsTopic, parseTopic),
    rate: check('--rate', flags.rate, parseBankRate),
    labelDelayMs: check('--label-delay', flags.labelDelay, parseDelay),
  };
  if (target.topic === target.labelsTopic && problems.length === 0) problems.push(`--labels-topic: expected another topic than --topic, got ${JSON.stringify(flags.labelsTopic)}`);
  if (problems.length > 0) throw new VigieError('CONFIG_INVALID', `invalid options:\n  ${problems.join('\n  ')}`);
  return target;
}

/** The last line: rows, frauds and their kinds, time. */
export function summary(bank: Bank, tally: BankTally, ms: number): string {
  const { profile, seed, customers, terminals, days } = bank.options;
  const percent = (n: number): string => `${((100 * n) / Math.max(1, tally.rows)).toFixed(3)} %`;
  const kinds = Object.entries(tally.byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return (
    `vigie: simulated bank (${profile}, seed ${seed}, ${customers} customers, ${terminals} terminals, ${days} days): ` +
    `${tally.rows} transactions, ${tally.frauds} frauds (${percent(tally.frauds)}${kinds && `: ${kinds}`}) in ${(ms / 1000).toFixed(1)} s`
  );
}
