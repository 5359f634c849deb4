/**
 * One PostgreSQL and one Kafka broker for the whole test run: starting servers per test file would
 * cost seconds each. Both start in parallel. Test files share them but not their data: each
 * creates its own database (`freshDatabase`) and its own topics (`uniqueTopic`).
 * With `DATABASE_URL` (resp. `KAFKA_BROKERS`, comma-separated host:port) set, tests use that
 * server instead and nothing is started for it.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { redactUrl, startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test files create their databases; holds a password, print it with `redactUrl`. */
    databaseUrl: string;
    /** `host:port` of the run's Kafka brokers, for kafkajs's `brokers`. */
    kafkaBrokers: string[];
  }
}

interface Started<T> {
  readonly value: T;
  stop(): Promise<void>;
}

const verbose = (line: string): void => {
  if (process.env['VIGIE_TEST_VERBOSE']) console.log(line);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const results = await Promise.allSettled([postgres(), kafka()]);
  const stopAll = async (): Promise<void> => {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(); // the one that did start must not outlive the run
    throw failed.reason;
  }
  const [pg, broker] = results as [PromiseFulfilledResult<Started<string>>, PromiseFulfilledResult<Started<string[]>>];
  project.provide('databaseUrl', pg.value.value);
  project.provide('kafkaBrokers', broker.value.value);
  return stopAll;
}

async function postgres(): Promise<Started<string>> {
  const given = process.env['DATABASE_URL'];
  if (given) return { value: given, stop: async () => {} };
  const root = await mkdtemp(path.join(tmpdir(), 'vigie-test-pg-'));
  await chmod(root, 0o755); // the server runs as `postgres` when we are root
  const started = Date.now();
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
  verbose(`embedded PostgreSQL at ${redactUrl(server.url)} in ${Date.now() - started} ms`);
  return {
    value: server.url,
    stop: async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function kafka(): Promise<Started<string[]>> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return { value: given.split(',').map((b) => b.trim()).filter(Boolean), stop: async () => {} };
  const root = await mkdtemp(path.join(tmpdir(), 'vigie-test-kafka-'));
  const started = Date.now();
  const broker = await startKafkaBroker({ dataDir: root, defaultPartitions: 1 }).catch(async (error: unknown) => {
    await rm(root, { recursive: true, force: true });
    throw error;
  });
  verbose(`Kafka broker at ${broker.brokers.join(',')} in ${Date.now() - started} ms`);
  return {
    value: broker.brokers,
    stop: async () => {
      await broker.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
