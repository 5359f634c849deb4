/**
 * `vigie start`: both prototype flows on the simulated sources, with results in PostgreSQL
 * (embedded unless a URL is given), in the prototype's pickle logs and in JSON Lines logs.
 * Stopping completes the sources, so every sink flushes what it holds before the files and the
 * database are closed. A dashboard (page, Prometheus metrics, live events) watches it all from
 * taps on the streams; the flows themselves know nothing of it.
 */
import { join } from 'node:path';
import { type Observable, Subject, filter, map, merge, pipe, takeUntil, tap } from 'rxjs';
import { openPickleLog } from '../adapters/pickle/pickleLog.ts';
import { deadLettersTable, sensorDetectionsTable, suspiciousTransactionsTable as suspiciousTable } from '../adapters/postgres/tables.ts';
import { toPostgres } from '../adapters/postgres/toPostgres.ts';
import { simulatedArduino } from '../adapters/simulatedArduino.ts';
import { simulatedTransactions } from '../adapters/simulatedTransactions.ts';
import { openJsonlLog, toJsonlLog } from '../adapters/toJsonlLog.ts';
import { detectionTuple, readingTuple } from '../adapters/pickle/tuples.ts';
import { toPickleLog } from '../adapters/toPickleLog.ts';
import { sensorMessages, suspiciousMessage } from '../dashboard/messages.ts';
import { showRules } from '../dashboard/rulesPanel.ts';
import { defaultRuleBook } from '../operators/rules/index.ts';
import { acknowledged, routeTo } from '../streams/acknowledged.ts';
import { sensorAnomalies } from '../streams/sensorAnomalies.ts';
import { sensorOutput } from '../streams/sensorPipeline.ts';
import { suspiciousTransactions } from '../streams/suspiciousTransactions.ts';
import type { Detection, TimedLine, TransactionRecord } from '../types.ts';
import type { Config } from './config.ts';
import { type Running, running } from './running.ts';
import { openServices } from './services.ts';
import { Status } from './status.ts';

export async function start(config: Config, log: (line: string) => void): Promise<Running> {
  const services = await openServices(config, log);
  const { logDir, metrics, dashboard, db, retry, outages } = services;
  const files = {
    readings: await openPickleLog(join(logDir, 'readings.pkl')),
    detections: await openJsonlLog(join(logDir, 'detections.jsonl')),
    suspicious: await openJsonlLog(join(logDir, 'suspicious-transactions.jsonl')),
    dead: await openJsonlLog(join(logDir, 'dead-letters.jsonl')),
  };
  // one pickle log per detector, as the prototype had one per detector: `detections-<name>.pkl`
  const pickles = await Promise.all(config.detectors.map(async (name) => ({ name, file: await openPickleLog(join(logDir, `detections-${name}.pkl`)) })));
  log(`Logs: ${logDir} (readings.pkl, detections-*.pkl, *.jsonl)`);
  log(`Detectors: ${config.detectors.join(', ')}`);

  const stop$ = new Subject<void>();
  const status = new Status();
  let shown = 0;
  const toMessage = sensorMessages(20);

  const deadLetters = () => [toPostgres(db.pool, deadLettersTable, { retry })];
  // The simulators have nothing to commit (no ack), but a row the database refuses still becomes a dead letter.
  const sensors$ = acknowledged(
    simulatedArduino({ rate: config.sensorRate, seed: config.seed, anomalyRate: config.anomalyRate }).pipe(takeUntil(stop$)),
    (lines$: Observable<TimedLine>) => sensorAnomalies(lines$, {
      window: config.window,
      detectors: config.detectors,
      dbscan: { eps: config.eps, minSamples: config.minSamples },
      isolationForest: { trees: config.trees, sampleSize: config.sampleSize, seed: config.seed, threshold: config.threshold },
    }).pipe(
      tap((e) => {
        status.sensorEvent(e);
        metrics.sensorEvent(e);
        const message = toMessage(e);
        if (message) dashboard.publish(message);
        // Show a few anomalies as they happen; the status line counts them all.
        if (e.kind === 'detection' && e.detection.state === -1 && shown++ < 3) {
          const d = e.detection;
          log(`anomaly: ${d.topic}=${d.value} (${d.detector}, score ${d.score?.toFixed(2)})`);
        }
      }),
      map(sensorOutput),
    ),
    {
      name: 'start sensors',
      ack: () => {},
      durable: { detections: [toPostgres(db.pool, sensorDetectionsTable, { retry })], deadLetters: deadLetters() },
      logs: {
        readings: [pipe(map((e) => e.input), toPickleLog(files.readings, readingTuple))],
        detections: [...pickles.map(({ name, file }) => pipe(filter((d: Detection) => d.detector === name), toPickleLog(file, detectionTuple))), toJsonlLog(files.detections)],
        deadLetters: [toJsonlLog(files.dead)],
      },
    },
  );
  const rulesOptions = { amount: { limits: { XAF: config.amountLimit } } };
  const book = defaultRuleBook(rulesOptions);
  // the Rules panel: the rules in force, their hits per minute and latest hits
  const rules = showRules(book, dashboard);
  const fraud$ = acknowledged(
    simulatedTransactions({ rate: config.transactionRate, seed: config.seed + 1 }).pipe(
      takeUntil(stop$),
      tap(() => {
        status.transactions++;
        metrics.transaction();
      }),
    ),
    // decided on arrival: the default lateness holds nothing back
    (transactions$: Observable<TransactionRecord>) => suspiciousTransactions(transactions$, { ...rulesOptions, book, explain: true }).pipe(
      tap((s) => {
        status.suspicious++;
        metrics.suspicious();
        rules.hit(s);
        if (s.fired !== undefined && (s.revision ?? 0) === 0) metrics.ruleHits(s.fired);
        dashboard.publish(suspiciousMessage(s));
      }),
      routeTo('suspicious'),
    ),
    {
      name: 'start transactions',
      ack: () => {},
      durable: { suspicious: [toPostgres(db.pool, suspiciousTable, { retry })], deadLetters: deadLetters() },
      logs: { suspicious: [toJsonlLog(files.suspicious)] },
    },
  );

  services.running();
  const ticker = setInterval(() => {
    const down = outages.describe();
    log(status.line(down));
    shown = 0;
    const { readingsPerSecond, anomalies, suspicious, deadLetters, rowsWritten } = status;
    dashboard.publish({ type: 'stats', readingsPerSecond, anomalies, suspicious, deadLetters, rowsWritten, latencyMs: metrics.takeMeanLatencyMs(), down });
  }, 1000);
  const run = running({
    results$: merge(sensors$, fraud$).pipe(
      tap((w) => {
        status.written(w);
        metrics.written(w);
        outages.written(w);
      }),
      outages.guard(),
    ),
    stop$,
    summary: () => log(status.line()),
    close: async () => {
      clearInterval(ticker);
      rules.close();
      await Promise.allSettled([...Object.values(files), ...pickles.map((p) => p.file)].map((f) => f.close()));
      await services.close();
    },
  });
  if (config.duration !== undefined) setTimeout(() => void run.stop(), config.duration * 1000).unref();
  return run;
}
