/**
 * The consuming side of `npm run bench -- memory`, in its own process so that its peak resident
 * memory (VmHWM) is the flow's alone, not the bench runner's.
 *
 * `fromKafka` (default `maxInFlight`) → the sensor flow exactly as `vigie detect sensors` wires it
 * (`acknowledgedSensors`, DBSCAN and IsolationForest with the CLI's defaults) → a sink that keeps
 * `toPostgres`'s contract (batches, one `Written` per batch, in order) but waits a fixed time per
 * batch instead of writing: a sink far slower than Kafka, so anything that buffers without
 * backpressure shows up as resident memory. Stops once every record is acknowledged, then prints
 * one JSON line on stdout; progress goes to stderr.
 *
 * Run: node --expose-gc --import tsx bench/memory/consumer.ts --brokers 127.0.0.1:9092 --topic humidite --count 1000000
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type OperatorFunction, Subject, concatMap, lastValueFrom, map, reduce, tap, timer } from 'rxjs';
import { fromKafka } from '../../src/adapters/kafka/fromKafka.ts';
import { progress } from '../../src/cli/progress.ts';
import { batch } from '../../src/operators/batch.ts';
import { acknowledgedSensors } from '../../src/streams/acknowledgedSensors.ts';
import type { Written } from '../../src/types.ts';

/** What the child reports to `bench/memory.ts`. */
export interface ConsumerReport {
  readonly acknowledged: number;
  readonly rowsWritten: number;
  /** The most rows the slow sinks held at once, received and not yet written. */
  readonly largestSinkBacklog: number;
  /** VmHWM: the kernel's own high-water mark of resident memory for this process. */
  readonly peakRssMb: number;
  /** `process.resourceUsage().maxRSS`, the same peak through getrusage, as a check. */
  readonly maxRssMb: number;
  readonly rssAtStartMb: number;
  /** Heap still reachable after a full collection at the end: what the flow really holds. */
  readonly liveHeapAfterGcMb: number;
  readonly wallSeconds: number;
}

/**
 * `toPostgres`'s contract without a database: `batch` then `concatMap`, so batches wait behind
 * the one being "written", each reported after `delayMs`. `backlog` counts rows received and not
 * yet reported: what would pile up here if the source did not wait for acknowledgements.
 */
export function slowSink<T>(
  name: string,
  { size, lingerMs, delayMs }: { size: number; lingerMs: number; delayMs: number },
  backlog: { now: number; max: number },
): OperatorFunction<T, Written<T>> {
  return (source) =>
    source.pipe(
      tap(() => (backlog.max = Math.max(backlog.max, ++backlog.now))),
      batch<T>({ size, lingerMs }),
      concatMap((rows) => timer(delayMs).pipe(map((): Written<T> => ({ sink: `slow:${name}`, items: rows })))),
      tap((written) => (backlog.now -= written.items.length)),
    );
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** From /proc/self/status, in MB; undefined where there is no /proc. */
function procStatusMb(field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string', default: `bench-memory-${process.pid}` },
      count: { type: 'string' },
      'batch-size': { type: 'string', default: '100' },
      'delay-ms': { type: 'string', default: '5' },
      /** `dbscan`, or `both` for DBSCAN and IsolationForest as the CLI runs them. */
      detectors: { type: 'string', default: 'both' },
    },
  });
  const count = Number(values.count);
  if (!values.brokers || !values.topic || !(count > 0)) throw new Error('usage: consumer.ts --brokers host:port --topic T --count N');
  const sink = { size: Number(values['batch-size']), lingerMs: 50, delayMs: Number(values['delay-ms']) };

  const backlog = { now: 0, max: 0 };
  const stop$ = new Subject<void>();
  const bar = progress('bench: memory, records acknowledged', { total: count });
  let acknowledged = 0;
  let rssAtStart = 0;
  let started = 0;
  const records$ = fromKafka({
    brokers: values.brokers.split(','),
    topics: [values.topic],
    groupId: values.group,
    start: 'earliest',
    stop$,
    log: (line) => process.stderr.write(`${line}\n`),
  }).pipe(
    map((record) => {
      if (started === 0) {
        started = performance.now();
        rssAtStart = mb(process.memoryUsage.rss());
      }
      return {
        topic: record.topic,
        key: record.key,
        value: record.value,
        timestamp: record.timestamp,
        ref: record.ref,
        ack: () => {
          record.ack();
          acknowledged += 1;
          if (acknowledged % 1000 === 0) bar.update(acknowledged);
          if (acknowledged === count) stop$.next();
        },
      };
    }),
  );
  // As `vigie detect sensors` with its defaults (src/cli/config.ts), minus logs and metrics.
  const results$ = acknowledgedSensors(
    records$,
    { detections: slowSink('detections', sink, backlog), deadLetters: slowSink('dead-letters', sink, backlog) },
    {
      window: 21,
      dbscan: { eps: 0.5, minSamples: 5 },
      isolationForest: values.detectors === 'dbscan' ? false : { trees: 100, sampleSize: 256, seed: 1, threshold: 0.7 },
    },
  );
  const rowsWritten = await lastValueFrom(results$.pipe(reduce((n, w) => n + w.items.length, 0)), { defaultValue: 0 });
  bar.update(acknowledged);
  bar.finish();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const report: ConsumerReport = {
    acknowledged,
    rowsWritten,
    largestSinkBacklog: backlog.max,
    peakRssMb: procStatusMb('VmHWM') ?? mb(process.resourceUsage().maxRSS * 1024),
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    rssAtStartMb: rssAtStart,
    liveHeapAfterGcMb: gc ? mb(process.memoryUsage().heapUsed) : -1,
    wallSeconds: started === 0 ? 0 : (performance.now() - started) / 1000,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
