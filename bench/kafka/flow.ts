/**
 * vigie's acknowledged sensor flow wired as `vigie detect sensors` wires it (src/cli/detect.ts):
 * `fromKafka` → record as `topic!value` with the record's timestamp as its time →
 * `acknowledgedSensors` → `toPostgres` for detections and dead letters, offsets committed only
 * once rows are written. Left out, because they are not what is measured: the pickle and JSONL
 * logs (not waited for), the dashboard and metrics, and IsolationForest (DBSCAN only, so the
 * figures are the pipeline's, not the forest's).
 *
 * The hooks it offers are for timing only: when each record was emitted by the source, when its
 * detection came out of DBSCAN, when its row's INSERT committed, and how long each INSERT took.
 */
import type pg from 'pg';
import { type OperatorFunction, type Subscription, Subject, map, pipe, tap } from 'rxjs';
import { fromKafka } from '../../src/adapters/kafka/fromKafka.ts';
import type { KafkaRecord } from '../../src/adapters/kafka/types.ts';
import { deadLettersTable, sensorDetectionsTable } from '../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../src/adapters/postgres/toPostgres.ts';
import { batch } from '../../src/operators/batch.ts';
import { retryPolicy } from '../../src/retry.ts';
import { acknowledgedSensors } from '../../src/streams/acknowledgedSensors.ts';
import type { DeadLetter, Detection, Written } from '../../src/types.ts';

/** What the benchmark may legitimately tune; everything else is the CLI's default. */
export interface FlowTuning {
  /** `fromKafka`'s bound on records read and not yet written (the CLI's `--max-in-flight`). */
  readonly maxInFlight: number;
  /** `toPostgres`'s batch: rows per INSERT at most, and how long a batch waits to fill. */
  readonly pgBatch: { readonly size: number; readonly lingerMs: number; readonly concurrency?: number };
}

export interface FlowHooks {
  /** A record left `fromKafka` (into detection). */
  readonly onRecord?: (record: KafkaRecord) => void;
  /** DBSCAN judged a record (synchronously after `onRecord`, unless something queues). */
  readonly onDetection?: (detection: Detection) => void;
  /** A batch of detection rows is committed in `sensor_detections`. */
  readonly onRows?: (report: Written<Detection>) => void;
  /** An INSERT into `sensor_detections` is sent, for the records at these offsets. */
  readonly onInsertStart?: (offsets: readonly number[]) => void;
  /** One INSERT round trip, in ms, and its row count. */
  readonly onInsert?: (ms: number, rows: number) => void;
}

export interface RunningFlow {
  /** Rows reported committed so far (detections and dead letters). */
  readonly rows: () => number;
  readonly deadLetters: () => number;
  /** Resolves once `rows()` reached `count`; rejects if the flow fails first. */
  rowsReached(count: number): Promise<void>;
  /** Stops as the CLI does on SIGTERM: drain, commit, leave the group. */
  stop(): Promise<void>;
}

export function startFlow(
  options: {
    brokers: string[];
    pool: pg.Pool;
    topic: string;
    groupId: string;
    tuning: FlowTuning;
    log: (line: string) => void;
    /** false: a diagnostic, sinks that batch as `toPostgres` does and report at once, writing nothing. */
    database?: boolean;
  },
  hooks: FlowHooks = {},
): RunningFlow {
  const { brokers, topic, groupId, tuning, log, database = true } = options;
  const pool = timedPool(options.pool, hooks);
  const retry = retryPolicy({ onRetry: (error, attempt, ms) => log(`postgres: write failed (${String(error)}), retry ${attempt} in ${ms} ms`) });
  const stop$ = new Subject<void>();
  const records$ = fromKafka({ brokers, topics: [topic], groupId, start: 'committed', maxInFlight: tuning.maxInFlight, stop$, log }).pipe(
    tap((record) => hooks.onRecord?.(record)),
  );
  const results$ = acknowledgedSensors(
    records$,
    database
      ? {
          detections: toPostgres(pool, sensorDetectionsTable, { retry, batch: tuning.pgBatch }),
          deadLetters: toPostgres(pool, deadLettersTable, { retry, batch: tuning.pgBatch }),
        }
      : { detections: nowhere<Detection>('sensor_detections', tuning), deadLetters: nowhere<DeadLetter>('dead_letters', tuning) },
    {
      dbscan: {},
      isolationForest: false,
      onEvent: (event) => {
        if (event.kind === 'detection') hooks.onDetection?.(event.detection);
      },
    },
  );

  let rows = 0;
  let dead = 0;
  let failure: unknown;
  const waiting: { count: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const settle = (): void => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i]!;
      if (failure !== undefined) w.reject(failure);
      else if (rows >= w.count) w.resolve();
      else continue;
      waiting.splice(i, 1);
    }
  };
  let complete: () => void = () => {};
  const completed = new Promise<void>((resolve) => (complete = resolve));
  const subscription: Subscription = results$.subscribe({
    next: (written) => {
      rows += written.items.length;
      if (written.sink.endsWith(':sensor_detections')) hooks.onRows?.(written as Written<Detection>);
      else if (written.sink.endsWith(':dead_letters')) dead += written.items.length;
      settle();
    },
    error: (error: unknown) => {
      failure = error;
      settle();
      complete();
    },
    complete: () => {
      failure ??= new Error(`the flow on ${topic} completed after ${rows} rows`);
      settle();
      complete();
    },
  });

  return {
    rows: () => rows,
    deadLetters: () => dead,
    rowsReached: (count) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ count, resolve, reject });
        settle();
      }),
    stop: async () => {
      stop$.next();
      await completed;
      subscription.unsubscribe();
    },
  };
}

/**
 * The pool as `toPostgres` sees it, with each `query` timed: the INSERT's own share of a
 * record's latency, apart from the time its batch waited to fill or behind the previous one.
 */
function timedPool(pool: pg.Pool, { onInsert, onInsertStart }: FlowHooks): pg.Pool {
  if (!onInsert && !onInsertStart) return pool;
  const offsetColumn = sensorDetectionsTable.columns.indexOf('source_offset');
  const timed = Object.create(pool) as pg.Pool;
  const query = (sql: string, params: unknown[][]): Promise<unknown> => {
    if (sql === sensorDetectionsTable.sql) onInsertStart?.(params[offsetColumn] as number[]);
    const started = performance.now();
    return pool.query(sql, params).then((result) => {
      onInsert?.(performance.now() - started, params[0]?.length ?? 0);
      return result;
    });
  };
  Object.defineProperty(timed, 'query', { value: query });
  return timed;
}

/** A sink that batches like `toPostgres` and reports each batch written at once. */
function nowhere<T>(table: string, tuning: FlowTuning): OperatorFunction<T, Written<T>> {
  return pipe(
    batch<T>(tuning.pgBatch),
    map((items): Written<T> => ({ sink: `nowhere:${table}`, items })),
  );
}
