/**
 * The servers a chaos run owns and breaks: a Kafka broker, an embedded PostgreSQL and a socat
 * serial pair, each restartable where its clients expect it (same port, same data, same links),
 * as a real outage and its repair look to vigie.
 */
import path from 'node:path';
import { type KafkaBroker, startKafkaBroker } from '../src/adapters/kafka/broker.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../src/adapters/postgres/embeddedPostgres.ts';
import { type VirtualSerialPair, createVirtualSerialPair } from '../src/adapters/serial/virtualSerial.ts';

export interface Restartable {
  /** Takes it down: `how` says which way (a broker can be stopped or killed). */
  down(how: 'stop' | 'kill'): Promise<void>;
  up(): Promise<void>;
}

export interface ChaosServers {
  readonly brokers: string[];
  readonly databaseUrl: string;
  /** The board's end of the serial cable: the harness writes lines there. */
  readonly devicePath: string;
  /** The computer's end: `vigie bridge --serial`. */
  readonly hostPath: string;
  readonly kafka: Restartable;
  readonly postgres: Restartable;
  readonly serial: Restartable;
  stop(): Promise<void>;
}

export async function startServers(root: string, defaultPartitions: number): Promise<ChaosServers> {
  const kafkaDir = path.join(root, 'kafka');
  let broker: KafkaBroker | null = await startKafkaBroker({ dataDir: kafkaDir, defaultPartitions });
  const port = broker.port;
  let pg: EmbeddedPostgresServer | null = await startEmbeddedPostgres({ dataDir: path.join(root, 'postgres') });
  const { url, port: pgPort, dataDir: pgDir } = pg;
  const serialDir = path.join(root, 'serial');
  let pair: VirtualSerialPair | null = await createVirtualSerialPair(serialDir);
  const { devicePath, hostPath } = pair;
  return {
    brokers: broker.brokers,
    databaseUrl: url,
    devicePath,
    hostPath,
    kafka: {
      down: async (how) => {
        await broker?.stop(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
        broker = null;
      },
      up: async () => {
        broker ??= await startKafkaBroker({ dataDir: kafkaDir, port, defaultPartitions });
      },
    },
    postgres: {
      down: async () => {
        await pg?.stop();
        pg = null;
      },
      up: async () => {
        pg ??= await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
      },
    },
    serial: {
      down: async () => {
        await pair?.stop();
        pair = null;
      },
      up: async () => {
        pair ??= await createVirtualSerialPair(serialDir);
      },
    },
    stop: async () => {
      await Promise.allSettled([pair?.stop(), pg?.stop(), broker?.stop()]);
    },
  };
}
