/**
 * The servers the Kafka benchmark measures against: a real Kafka broker and a real PostgreSQL,
 * started by the benchmark itself (`temporaryServers`, as the test suite's globalSetup does) unless `KAFKA_BROKERS`
 * or `DATABASE_URL` name ones to use. Both start in parallel; whatever started is stopped, and its
 * temporary directory removed, at the end and also when something failed halfway.
 */
import pg from 'pg';
import { redactUrl } from '../../src/adapters/postgres/embeddedPostgres.ts';
import { migrate } from '../../src/adapters/postgres/migrations.ts';
import { postgresAndKafkaUnlessGiven } from '../../src/adapters/temporaryServers.ts';

export interface BenchServices {
  readonly brokers: string[];
  /** Migrated, with an `error` listener (idle clients dying must not kill the benchmark). */
  readonly pool: pg.Pool;
  /** The URL with its password: for a child process's environment only, never a log. */
  readonly databaseUrl: string;
  /** Where the figures come from, safe to print (the database URL is redacted). */
  readonly description: string;
  /** Whether the servers are the benchmark's own (then their data goes with them). */
  readonly embedded: { readonly kafka: boolean; readonly postgres: boolean };
  stop(): Promise<void>;
}

/** `postgresSettings`: server parameters for a PostgreSQL of the benchmark's own (see `tracksCommitTimes` for one given). */
export async function startServices(log: (line: string) => void, postgresSettings: Readonly<Record<string, string>> = {}): Promise<BenchServices> {
  const servers = await postgresAndKafkaUnlessGiven('vigie-bench', postgresSettings);
  const pool = new pg.Pool({ connectionString: servers.postgres.value });
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
      await servers.stop();
    })());
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    await migrate(pool);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    brokers: servers.kafka.value,
    pool,
    databaseUrl: servers.postgres.value,
    description: `Kafka ${servers.kafka.value.join(',')}, PostgreSQL ${redactUrl(servers.postgres.value)}`,
    embedded: { kafka: servers.kafka.started, postgres: servers.postgres.started },
    stop,
  };
}
