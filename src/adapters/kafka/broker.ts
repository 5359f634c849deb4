/**
 * A real Apache Kafka broker for development and tests: Kafka 3.9 from Maven Central, single node
 * in KRaft mode, listening on 127.0.0.1 only. The jars are gathered once by Maven into
 * `.kafka/libs` (see `kafka/pom.xml`); later starts need no network.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { VigieError } from '../../errors.ts';
import { freePort } from '../freePort.ts';

const run = promisify(execFile);
const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const KAFKA_LIBS = path.join(projectRoot, '.kafka', 'libs');

export interface KafkaBrokerOptions {
  /** Where the broker keeps its log segments and metadata; formatted when new. */
  readonly dataDir: string;
  /** The client port; a free one when omitted. */
  readonly port?: number;
  /** Receives the broker's own output (warnings and errors only). */
  readonly log?: (line: string) => void;
  /** Partitions of auto-created topics. */
  readonly defaultPartitions?: number;
  /**
   * A second client listener, `SECURE`, on a port of its own (the first stays PLAINTEXT, for the
   * broker itself and for tests that watch a topic from outside): TLS, SASL or both, for tests of
   * secured clients. `properties` are the broker's settings for it (keystore, enabled mechanisms,
   * JAAS), named without their `listener.name.secure.` prefix.
   */
  readonly secureListener?: { readonly protocol: 'SSL' | 'SASL_SSL' | 'SASL_PLAINTEXT'; readonly properties: Readonly<Record<string, string>> };
  /**
   * SCRAM users, written when the storage is formatted (KRaft keeps them in its metadata, so a
   * broker cannot be given them otherwise before it runs): `SCRAM-SHA-256=[name=u,password=p]`.
   */
  readonly scramCredentials?: readonly string[];
}

export interface KafkaBroker {
  /** `127.0.0.1:<port>`, for kafkajs's `brokers`. */
  readonly brokers: string[];
  readonly port: number;
  /** With `secureListener`: `127.0.0.1:<its port>`. */
  readonly secureBrokers?: string[];
  /** SIGTERM (a clean shutdown, SIGKILL after 15 s) by default; SIGKILL to crash it, as tests of outages do. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Gathers the broker's jars with Maven when `.kafka/libs` has none yet. */
export async function ensureKafkaJars(log: (line: string) => void = () => {}): Promise<string> {
  if (existsSync(KAFKA_LIBS) && (await readdir(KAFKA_LIBS)).some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) return KAFKA_LIBS;
  log('kafka: gathering the broker jars from Maven Central (once)');
  try {
    await run('mvn', ['-q', '-B', '-f', path.join(projectRoot, 'kafka', 'pom.xml'), 'dependency:copy-dependencies'], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (cause) {
    throw new VigieError('SERVICE_START_FAILED', 'cannot gather the Kafka jars with Maven (is mvn installed?)', { cause });
  }
  return KAFKA_LIBS;
}

export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const { dataDir, log = () => {}, defaultPartitions = 1 } = options;
  const libs = await ensureKafkaJars(log);
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const secure = options.secureListener;
  const securePort = secure && (await freePort());
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, ...(secure ? [`SECURE://127.0.0.1:${securePort}`] : [])];
  const where = { port, dataDir };
  await mkdir(dataDir, { recursive: true });
  const config = path.join(dataDir, 'server.properties');
  const logConfig = path.join(dataDir, 'log4j.properties');
  const logs = path.join(dataDir, 'logs');
  await writeFile(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=${listeners.join(',')},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=${listeners.join(',')}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? `,SECURE:${secure.protocol}` : ''}`,
      ...Object.entries(secure?.properties ?? {}).map(([key, value]) => `listener.name.secure.${key}=${value}`),
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${logs}`,
      `num.partitions=${defaultPartitions}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  await writeFile(
    logConfig,
    [
      'log4j.rootLogger=WARN, stderr',
      'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stderr.Target=System.err',
      'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  const java = (mainClass: string, args: string[], heap = '256m'): string[] => [
    `-Xmx${heap}`,
    '-XX:+UseSerialGC',
    `-Dlog4j.configuration=file:${logConfig}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
  // The cluster id is fixed per data dir: formatting again with another id would fail.
  if (!existsSync(path.join(logs, 'meta.properties'))) {
    try {
      await run('java', java('kafka.tools.StorageTool', ['format', '-t', 'dmlnaWUtZGV2LWNsdXN0ZXI', '-c', config, ...(options.scramCredentials ?? []).flatMap((c) => ['--add-scram', c])]));
    } catch (cause) {
      throw new VigieError('SERVICE_START_FAILED', 'cannot format the Kafka storage', { where, cause });
    }
  }
  const child = spawn('java', java('kafka.Kafka', [config], '768m'), { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const hear = (data: Buffer): void => {
    for (const line of data.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log(line);
    }
  };
  child.stdout!.on('data', hear);
  child.stderr!.on('data', hear);
  try {
    await waitForPort(port, child, 60_000);
  } catch (cause) {
    child.kill('SIGKILL');
    throw new VigieError('SERVICE_START_FAILED', `Kafka broker did not start: ${tail.slice(-3).join(' | ')}`, { where, cause });
  }
  return { brokers: [`127.0.0.1:${port}`], port, ...(secure && { secureBrokers: [`127.0.0.1:${securePort}`] }), stop: (signal = 'SIGTERM') => stopChild(child, signal) };
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the broker exited with code ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  });
}

function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill(signal);
  });
}

