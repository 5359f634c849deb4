/**
 * `vigie produce transactions`: the prototype's transaction producer, for feeding a real topic.
 * Each transaction goes to Kafka as the bare JSON object the prototype sent (id, transaction_id,
 * amount, currency, timestamp), keyed by client id so one client's transactions stay in order
 * on one partition. A `sent:` line is printed only once the broker acknowledged the record, and
 * SIGTERM flushes what is generated before exiting, so nothing printed is lost and nothing
 * generated is silently dropped.
 */
import type { Command } from 'commander';
import type { Producer } from 'kafkajs';
import { Subject, identity, lastValueFrom, take, takeUntil, tap } from 'rxjs';
import { createProducer } from '../../adapters/kafka/producer.ts';
import { toKafka } from '../../adapters/kafka/toKafka.ts';
import { simulatedTransactions } from '../../adapters/simulatedTransactions.ts';
import { VigieError } from '../../errors.ts';
import { retryPolicy } from '../../retry.ts';
import { fail } from '../fail.ts';
import { addSettingOptions } from '../config.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import type { KafkaSecurity } from '../../adapters/kafka/security.ts';

interface ProduceFlags {
  readonly rate: string;
  readonly kafka?: string;
  readonly count?: string;
  readonly topic: string;
  readonly seed?: string;
}

interface ProduceOptions {
  /** Per second. */
  readonly rate: number;
  readonly brokers: string[];
  readonly count: number | undefined;
  readonly topic: string;
  readonly seed: number;
  readonly security: KafkaSecurity;
}

const MAX_RATE = 1_000; // one per timer tick: the simulator's interval cannot go faster

export function registerProduce(program: Command): void {
  const produce = program.command('produce').description('send simulated records to Kafka');
  const transactions = produce
    .command('transactions')
    .description("send the prototype's simulated bank transactions to a Kafka topic as JSON, until --count, Ctrl-C or SIGTERM")
    .option('--rate <rate>', `how many: 5 (per second), 5/s or 300/min; at most ${MAX_RATE}/s`, '1/s')
    .option('--kafka <brokers>', 'comma-separated host:port list; env KAFKA_BROKERS (default: 127.0.0.1:9092)')
    .option('--count <n>', 'stop after this many (default: no limit)')
    .option('--topic <topic>', 'where to send them', 'transaction')
    .option('--seed <n>', "the generator's seed, to send the same transactions again (default: random)");
  addSettingOptions(transactions, KAFKA_SECURITY_SETTINGS).action(async (flags: ProduceFlags) => {
    let options: ProduceOptions;
    try {
      options = parseProduceOptions(flags, process.env);
    } catch (error) {
      fail(error);
    }
    await produceTransactions(options).catch(fail);
  });
}

async function produceTransactions({ rate, brokers, count, topic, seed, security }: ProduceOptions): Promise<void> {
  const where = { brokers: brokers.join(',') };
  // A broker away at start is waited for, as one that goes away while sending.
  const waiting = retryPolicy({
    onRetry: (error, attempt, ms) => {
      if (attempt === 1) console.error(`vigie: kafka at ${where.brokers} is down: waiting for it`);
      console.error(`vigie: ${(error as Error).message}; retry ${attempt} in ${ms} ms`);
    },
  });
  const producer: Producer = await createProducer(brokers, 'vigie-produce', { retry: waiting, security }).catch((cause: unknown) => {
    throw new VigieError('SINK_WRITE_FAILED', `cannot connect to Kafka: ${(cause as Error)?.message ?? cause}`, { where, cause });
  });
  console.error(`vigie: sending transactions to topic ${topic} on ${where.brokers} at ${rate}/s (seed ${seed}); Ctrl-C to stop`);

  const stop = new Subject<void>();
  let signals = 0;
  const onSignal = (signal: string): void => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: the user is not waiting
    console.error(`vigie: ${signal}, flushing and stopping`);
    stop.next();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let sent = 0;
  const retry = retryPolicy({
    onRetry: (error, attempt, ms) => console.error(`vigie: ${(error as Error).message}; retry ${attempt} in ${ms} ms`),
  });
  await lastValueFrom(
    simulatedTransactions({ rate, seed, source: `produce:${topic}` }).pipe(
      count === undefined ? identity : take(count),
      takeUntil(stop),
      toKafka(producer, ({ transaction }) => ({ topic, key: String(transaction.id), value: JSON.stringify(transaction) }), { retry }),
      tap(({ items }) => {
        for (const { transaction } of items) console.log(`sent: ${JSON.stringify(transaction)}`);
        sent += items.length;
      }),
    ),
    { defaultValue: undefined },
  );
  await producer.disconnect();
  console.error(`vigie: sent ${sent} transactions to topic ${topic}`);
  process.exit(0);
}

/** Flags win over the environment, which wins over defaults. Throws CONFIG_INVALID listing every bad value. */
export function parseProduceOptions(flags: ProduceFlags, env: NodeJS.ProcessEnv): ProduceOptions {
  const problems: string[] = [];
  const check = checker(problems);
  const brokersFrom = flags.kafka !== undefined ? '--kafka' : env['KAFKA_BROKERS'] ? 'KAFKA_BROKERS (environment)' : '--kafka';
  let security: KafkaSecurity = {};
  try {
    security = resolveKafkaSecurity(flags, env);
  } catch (error) {
    problems.push((error as Error).message.replace(/^[^\n]*\n  /, ''));
  }
  const options: ProduceOptions = {
    security,
    rate: check('--rate', flags.rate, parseRate),
    brokers: check(brokersFrom, flags.kafka ?? (env['KAFKA_BROKERS'] || '127.0.0.1:9092'), parseBrokers),
    count: flags.count === undefined ? undefined : check('--count', flags.count, (raw) => positiveInteger(raw) ?? new Invalid('expected an integer >= 1')),
    topic: check('--topic', flags.topic, parseTopic),
    seed:
      flags.seed === undefined
        ? Math.floor(Math.random() * 2 ** 31)
        : check('--seed', flags.seed, (raw) => (/^\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : new Invalid('expected an integer >= 0'))),
  };
  if (problems.length > 0) throw new VigieError('CONFIG_INVALID', `invalid options:\n  ${problems.join('\n  ')}`);
  return options;
}

/** Why a value was refused. */
export class Invalid {
  constructor(readonly why: string) {}
}

/** A flag's parser applied, its refusal added to `problems` as `name: why, got "raw"`. */
export function checker(problems: string[]): <T>(name: string, raw: string, parse: (raw: string) => T | Invalid) => T {
  return (name, raw, parse) => {
    const parsed = parse(raw);
    if (parsed instanceof Invalid) problems.push(`${name}: ${parsed.why}, got ${JSON.stringify(raw)}`);
    return parsed as never;
  };
}

/** A Kafka topic name; {@link Invalid} otherwise. */
export function parseTopic(raw: string): string | Invalid {
  return /^[A-Za-z0-9._-]{1,249}$/.test(raw) ? raw : new Invalid('expected 1-249 letters, digits, ".", "_" or "-"');
}

/** `5`, `5/s` or `300/min`, in records per second; {@link Invalid} otherwise. */
export function parseRate(raw: string): number | Invalid {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:\/\s*(s|sec|min))?\s*$/.exec(raw);
  const usage = 'expected a rate such as 5, 5/s or 300/min';
  if (!match) return new Invalid(usage);
  const perSecond = Number(match[1]) / (match[2] === 'min' ? 60 : 1);
  if (!(perSecond > 0)) return new Invalid(`${usage}, above 0`);
  if (perSecond > MAX_RATE) return new Invalid(`expected at most ${MAX_RATE}/s`);
  return perSecond;
}

/** `host:port[,host:port...]`; {@link Invalid} otherwise. */
export function parseBrokers(raw: string): string[] | Invalid {
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  const usage = 'expected host:port[,host:port...]';
  if (brokers.length === 0) return new Invalid(usage);
  for (const broker of brokers) {
    const match = /^([^\s:/]+|\[[0-9a-fA-F:.]+\]):(\d+)$/.exec(broker);
    const port = Number(match?.[2]);
    if (!match || !(port >= 1 && port <= 65_535)) return new Invalid(brokers.length > 1 ? `${usage} ("${broker}" is not)` : usage);
  }
  return brokers;
}

function positiveInteger(raw: string): number | undefined {
  return /^\d+$/.test(raw) && Number(raw) >= 1 && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
}
