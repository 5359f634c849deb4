/**
 * `vigie bridge`: the prototype's Arduino-to-Kafka producer, wired from adapters around the
 * flow of ../../streams/bridge.ts. Readings go to the topic their line names, the reference
 * `(line, unix_time)` log to `<data-dir>/logs/readings.pkl`, bad lines to `serial.dlq` and
 * `<data-dir>/logs/dead-letters.jsonl`. A status line each second says whether it is working.
 *
 * On SIGTERM the serial source completes, so every sink flushes its last batch before the
 * producer and the logs are closed: nothing read is left unsent.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Producer } from 'kafkajs';
import { Subject, takeUntil, tap } from 'rxjs';
import { createProducer } from '../../adapters/kafka/producer.ts';
import { toKafka } from '../../adapters/kafka/toKafka.ts';
import { retryPolicy } from '../../retry.ts';
import { type PickleLog, openPickleLog } from '../../adapters/pickle/pickleLog.ts';
import { readingTuple } from '../../adapters/pickle/tuples.ts';
import { type SerialStatus, fromSerialPort } from '../../adapters/serial/fromSerialPort.ts';
import { type JsonlLog, openJsonlLog, toJsonlLog } from '../../adapters/toJsonlLog.ts';
import { toPickleLog } from '../../adapters/toPickleLog.ts';
import { VigieError } from '../../errors.ts';
import { type BridgedReading, type SerialDeadLetter, bridge, deadLetterRecord } from '../../streams/bridge.ts';
import { fail } from '../fail.ts';
import { addSettingOptions } from '../config.ts';
import { KAFKA_SECURITY_SETTINGS, resolveKafkaSecurity } from '../kafkaSecurity.ts';
import { onStopSignals } from '../signals.ts';
import { sensorMessages } from '../../dashboard/messages.ts';
import { createMetrics } from '../../dashboard/metrics.ts';
import { startDashboard } from '../../dashboard/server.ts';
import { dashboardLine } from '../services.ts';

/** The topic of dead letters, as JSON `{ reason, raw, rawHex, path, time }`. */
export const SERIAL_DLQ = 'serial.dlq';

interface BridgeFlags {
  readonly serial: string;
  readonly baud: string;
  readonly kafka?: string;
  readonly dataDir: string;
  readonly dashboardPort: string;
  readonly dashboardHost: string;
  readonly maxLineBytes: string;
}

export function registerBridge(program: Command): void {
  const bridge = program
    .command('bridge')
    .description('read topic!value lines from a serial port and send them to Kafka, until Ctrl-C or SIGTERM')
    .requiredOption('--serial <path>', 'the serial device, e.g. /dev/ttyACM0 (see `vigie simulate arduino`)')
    .option('--baud <n>', 'baud rate', '9600')
    .option('--max-line-bytes <n>', 'longest serial line read; a longer one becomes a dead letter with its first bytes', '4096')
    .option('--kafka <brokers>', 'comma-separated brokers; env KAFKA_BROKERS (default: 127.0.0.1:9092)')
    .option('--data-dir <dir>', 'where logs/readings.pkl and logs/dead-letters.jsonl go', '.vigie')
    .option('--dashboard-port <n>', 'port of the live page and /metrics (0: a free one)', '0')
    .option('--dashboard-host <host>', 'the address the dashboard listens on; any but loopback requires a token (VIGIE_DASHBOARD_TOKEN, or one generated and printed once)', '127.0.0.1');
  addSettingOptions(bridge, KAFKA_SECURITY_SETTINGS).action(async (flags: BridgeFlags) => {
    try {
      await run(flags);
    } catch (error) {
      fail(error);
    }
  });
}

async function run(flags: BridgeFlags): Promise<void> {
  const baudRate = Number(flags.baud);
  if (!(Number.isInteger(baudRate) && baudRate > 0)) {
    throw new VigieError('CONFIG_INVALID', `--baud: expected a positive integer, got ${JSON.stringify(flags.baud)}`);
  }
  const maxLineBytes = Number(flags.maxLineBytes);
  if (!(Number.isInteger(maxLineBytes) && maxLineBytes > 0)) {
    throw new VigieError('CONFIG_INVALID', `--max-line-bytes: expected a positive integer, got ${JSON.stringify(flags.maxLineBytes)}`);
  }
  const dashboardPort = Number(flags.dashboardPort);
  if (!(Number.isInteger(dashboardPort) && dashboardPort >= 0 && dashboardPort < 65_536)) {
    throw new VigieError('CONFIG_INVALID', `--dashboard-port: expected a port number, got ${JSON.stringify(flags.dashboardPort)}`);
  }
  const security = resolveKafkaSecurity(flags, process.env);
  const brokers = (flags.kafka ?? (process.env['KAFKA_BROKERS'] || '127.0.0.1:9092')).split(',').map((b) => b.trim()).filter(Boolean);
  const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const logs = path.join(flags.dataDir, 'logs');

  const metrics = createMetrics();
  const token = process.env['VIGIE_DASHBOARD_TOKEN'] || undefined;
  const allowedHosts = (process.env['VIGIE_DASHBOARD_ALLOWED_HOSTS'] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const dashboard = await startDashboard({ host: flags.dashboardHost, port: dashboardPort, registry: metrics.registry, allowedHosts, ...(token ? { token } : {}) });
  log(dashboardLine(dashboard));
  let producer: Producer | null = null;
  let readings: PickleLog | null = null;
  let deadLetters: JsonlLog | null = null;
  const close = async (): Promise<void> => {
    await Promise.allSettled([producer?.disconnect(), readings?.close(), deadLetters?.close(), dashboard.close()]);
  };
  try {
    // A broker away at start is waited for, as one that goes away later: the device is opened
    // once there is somewhere to send its lines.
    const awaited = brokers.join(',');
    producer = await createProducer(brokers, 'vigie-bridge', {
      security,
      retry: retryPolicy({
        onRetry: (error, attempt, ms) => {
          if (attempt === 1) log(`kafka at ${awaited} is down: waiting for it`);
          log(`kafka: connecting to ${awaited} failed (${String(error)}), retry ${attempt} in ${ms} ms`);
        },
      }),
    });
    readings = await openPickleLog(path.join(logs, 'readings.pkl'));
    deadLetters = await openJsonlLog(path.join(logs, 'dead-letters.jsonl'));
  } catch (error) {
    await close();
    throw error;
  }
  const kafka = producer;
  log(`bridge: ${flags.serial} at ${baudRate} baud -> Kafka ${brokers.join(',')}; logs in ${logs}`);

  const stop$ = new Subject<void>();
  const toMessage = sensorMessages();
  let device: SerialStatus | 'opening' = 'opening';
  let lines = 0;
  let linesThen = 0;
  let sent = 0;
  let dead = 0;
  const serial$ = fromSerialPort({ path: flags.serial, baudRate, maxLineBytes }).pipe(
    takeUntil(stop$),
    tap((e) => {
      if (e.kind === 'line') {
        lines += 1;
        metrics.recordsIn('serial-lines');
      }
      else {
        // one line per change of state, not one per failed attempt
        if (e.status !== 'reconnecting' || device !== 'reconnecting') log(`serial: ${e.status} (${e.detail})`);
        device = e.status;
      }
    }),
  );
  const flow$ = bridge(serial$, {
    // Keyed by the device: one device's readings of a topic stay in one partition, in order, one
    // series for `detect sensors` (windows per topic, partition and key) however many partitions.
    send: toKafka(kafka, (r: BridgedReading) => ({ topic: r.reading.topic, key: flags.serial, value: Buffer.from(r.valueText, 'utf8') }), { batch: { size: 256, lingerMs: 20 } }),
    log: toPickleLog(readings, (r: BridgedReading) => readingTuple(r.line)),
    sendDead: toKafka(kafka, (d: SerialDeadLetter) => ({ topic: SERIAL_DLQ, value: JSON.stringify(deadLetterRecord(d)) }), { batch: { size: 64, lingerMs: 20 } }),
    logDead: toJsonlLog<SerialDeadLetter>(deadLetters, { toRecord: deadLetterRecord }),
  });
  const status = setInterval(() => {
    log(`bridge: ${lines - linesThen} lines/s, ${sent} sent, ${dead} dead letters, device ${device}`);
    dashboard.publish({ type: 'stats', readingsPerSecond: lines - linesThen, anomalies: 0, suspicious: 0, deadLetters: dead, rowsWritten: sent, latencyMs: metrics.takeMeanLatencyMs() });
    linesThen = lines;
  }, 1_000);

  onStopSignals((signal) => {
    log(`bridge: ${signal}, flushing and stopping`);
    stop$.next();
  });

  const outcome = await new Promise<unknown>((resolve) => {
    flow$.subscribe({
      next: (e) => {
        if (e.kind === 'sent') {
          sent += e.written.items.length;
          metrics.written(e.written);
          // the page draws what reached Kafka, thinned as for the flows
          for (const input of e.written.items) {
            const message = toMessage({ kind: 'reading', input, reading: input.reading });
            if (message) dashboard.publish(message);
          }
        } else if (e.kind === 'dead-sent') {
          dead += e.written.items.length;
          metrics.deadLetters('bridge', e.written.items.length);
        }
      },
      error: (error: unknown) => resolve(error),
      complete: () => resolve(null),
    });
  });
  clearInterval(status);
  await close();
  if (outcome !== null) fail(outcome);
  log(`bridge: stopped; ${lines} lines, ${sent} sent, ${dead} dead letters`);
  process.exit(0);
}
