/**
 * `vigie detect sensors`: the sensor flow fed by Kafka, its detections and dead letters in
 * PostgreSQL and in each topic's logs, offsets committed only for what is written (see
 * detectSource.ts for what both flows share).
 */
import { join } from 'node:path';
import { filter, pipe } from 'rxjs';
import { deadLetterJson } from '../adapters/kafka/deadLetterJson.ts';
import { openPickleLog } from '../adapters/pickle/pickleLog.ts';
import { sensorMessages } from '../dashboard/messages.ts';
import { detectionTuple } from '../adapters/pickle/tuples.ts';
import { deadLettersTable, sensorDetectionsTable } from '../adapters/postgres/tables.ts';
import { toPostgres } from '../adapters/postgres/toPostgres.ts';
import { openJsonlLog, toJsonlLog } from '../adapters/toJsonlLog.ts';
import { toPickleLog } from '../adapters/toPickleLog.ts';
import { acknowledgedSensors } from '../streams/acknowledgedSensors.ts';
import { fanOut } from '../operators/fanOut.ts';
import type { SeriesWindow } from '../operators/seriesWarmUp.ts';
import type { SeriesDetectorState } from '../operators/seriesDetect.ts';
import { StateStore } from '../state/stateStore.ts';
import type { DeadLetter, Detection } from '../types.ts';
import { type DetectConfig, openDetectSource, runDetect } from './detectSource.ts';
import type { Running } from './running.ts';

export async function detectSensors(config: DetectConfig, log: (line: string) => void): Promise<Running> {
  // The flow's state, written down with the offsets it covers and restored on assignment.
  const sensorWindows = new StateStore<SeriesWindow>('sensor-windows');
  const sensorDetectors = new StateStore<SeriesDetectorState>('sensor-detectors');
  const source = await openDetectSource(config, log, [sensorWindows as StateStore<unknown>, sensorDetectors]);
  const { records$, services } = source;
  const { logDir, metrics, dashboard, db, retry } = services;
  const files: { close(): Promise<void> }[] = [];
  const toMessage = sensorMessages();
  // A topic's logs are those a process of its own would write: `<topic>-detections...`.
  const perTopic = await Promise.all(
    config.topic.map(async (topic) => ({
      topic,
      pickles: await Promise.all(config.detectors.map(async (name) => ({ name, file: await openPickleLog(join(logDir, `${topic}-detections-${name}.pkl`)) }))),
      jsonl: await openJsonlLog(join(logDir, `${topic}-detections.jsonl`)),
    })),
  );
  const dead = await openJsonlLog(join(logDir, 'dead-letters.jsonl'));
  files.push(...perTopic.flatMap((t) => [...t.pickles.map((p) => p.file), t.jsonl]), dead);
  const topicLogs = perTopic.map((t) =>
    pipe(
      filter((d: Detection) => d.topic === t.topic),
      fanOut(...t.pickles.map(({ name, file }) => pipe(filter((d: Detection) => d.detector === name), toPickleLog(file, detectionTuple))), toJsonlLog(t.jsonl)),
    ),
  );
  log(`Detectors: ${config.detectors.join(', ')}`);
  const results$ = acknowledgedSensors(
    records$,
    {
      detections: toPostgres(db.pool, sensorDetectionsTable, { retry }),
      deadLetters: toPostgres(db.pool, deadLettersTable, { retry }),
      logs: {
        detections: topicLogs,
        deadLetters: [toJsonlLog<DeadLetter>(dead, { toRecord: deadLetterJson })],
      },
    },
    {
      window: config.window,
      store: sensorWindows,
      detectors: config.detectors,
      detectorStore: sensorDetectors,
      onEvent: (event) => {
        metrics.sensorEvent(event);
        const message = toMessage(event);
        if (message) dashboard.publish(message);
      },
      dbscan: { eps: config.eps, minSamples: config.minSamples },
      isolationForest: { trees: config.trees, sampleSize: config.sampleSize, seed: config.seed, threshold: config.threshold },
    },
  );
  return runDetect(config, log, source, results$, files);
}
