/**
 * The servers the Kafka benchmark measures against: a real Kafka broker and a real PostgreSQL,
 * started by the benchmark itself (as the test suite's globalSetup does) unless `KAFKA_BROKERS`
 * or `DATABASE_URL` name ones to use. Both start in parallel; whatever started is stopped, and its
 * temporary directory removed, at the end and also when something failed halfway.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startKafkaBroker } from '../../src/adapters/kafka/broker.ts';
import { redactUrl, startEmbeddedPostgres } from '../../src/adapters/postgres/embeddedPostgres.ts';
import { migrate } from '../../src/adapters/postgres/migrations.ts';

export interface BenchServices {
  readonly brokers: string[];
  /** Migrated, with an `error` listener (idle clients dying must not kill the benchmark). */
  readonly pool: pg.Pool;
  /** Where the figures come from, safe to print (the database URL is redacted). */
  readonly description: string;
  /** Whether the servers are the benchmark's own (then their data goes with them). */
  readonly embedded: { readonly kafka: boolean; readonly postgres: boolean };
  stop(): Promise<void>;
}

interface Started<T> {
  readonly value: T;
  stop(): Promise<void>;
}

export async function startServices(log: (line: string) => void): Promise<BenchServices> {
  const results = await Promise.allSettled([postgres(log), kafka(log)]);
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll(); // the one that did start must not outlive the benchmark
    throw failed.reason;
  }
  const [db, broker] = results as [PromiseFulfilledResult<Started<string>>, PromiseFulfilledResult<Started<string[]>>];
  const pool = new pg.Pool({ connectionString: db.value.value });
  pool.on('error', (error) => log(`postgres: idle connection lost: ${error.message}`));
  // Ctrl-C or a kill must not leave a broker, a server or their data behind either.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`bench: ${signal}, stopping the servers`);
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await pool.end().catch(() => {});
      await stopAll();
    })());
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    await migrate(pool);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    brokers: broker.value.value,
    pool,
    description: `Kafka ${broker.value.value.join(',')}, PostgreSQL ${redactUrl(db.value.value)}`,
    embedded: { kafka: !process.env['KAFKA_BROKERS'], postgres: !process.env['DATABASE_URL'] },
    stop,
  };
}

async function postgres(log: (line: string) => void): Promise<Started<string>> {
  const given = process.env['DATABASE_URL'];
  if (given) return { value: given, stop: async () => {} };
  const root = await mkdtemp(path.join(tmpdir(), 'vigie-bench-pg-'));
  try {
    await chmod(root, 0o755); // the server runs as `postgres` when we are root
    const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
    log(`bench: embedded PostgreSQL at ${redactUrl(server.url)}`);
    return {
      value: server.url,
      stop: async () => {
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function kafka(log: (line: string) => void): Promise<Started<string[]>> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return { value: given.split(',').map((b) => b.trim()).filter(Boolean), stop: async () => {} };
  const root = await mkdtemp(path.join(tmpdir(), 'vigie-bench-kafka-'));
  try {
    const broker = await startKafkaBroker({ dataDir: root, defaultPartitions: 1 });
    log(`bench: Kafka broker at ${broker.brokers.join(',')}`);
    return {
      value: broker.brokers,
      stop: async () => {
        await broker.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
