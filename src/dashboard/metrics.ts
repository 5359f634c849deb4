/**
 * What `vigie start` exposes to Prometheus. Its own Registry, not prom-client's global one, so two
 * runs in one process (tests) never share counters. The flows know nothing of it: `start` taps
 * their streams and calls the `observe*` functions, which do no I/O.
 *
 * End-to-end latency is a record's arrival (`time`, stamped by the source) to the PostgreSQL
 * sink's write report: the moment the record is durable. Only records that carry `time` are
 * measured (detections and dead letters, not suspicious transactions).
 */
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SensorEvent } from '../streams/sensorAnomalies.ts';
import type { FiredRule, Written } from '../types.ts';

export interface Metrics {
  readonly registry: Registry;
  sensorEvent(event: SensorEvent): void;
  transaction(): void;
  suspicious(): void;
  /** Where `vigie_watermark_seconds` reads the flow's watermark (see src/state/watermarks.ts). */
  watermark(current: () => number | undefined): void;
  /** A transaction behind its partition's watermark: judged against the state as it was. */
  late(topic: string, partition: number): void;
  /** An earlier decision changed by a transaction that arrived out of order. */
  revision(): void;
  /** The rules that fired on a suspicious transaction: `vigie_rule_hits_total{rule,version}`. */
  ruleHits(fired: readonly FiredRule[]): void;
  written(report: Written<unknown>, now?: number): void;
  sinkError(sink: string): void;
  /** Records that entered a stage other than the flows' own (e.g. the bridge's serial lines). */
  recordsIn(stage: string, count?: number): void;
  /** Records a stage rejected. */
  deadLetters(stage: string, count?: number): void;
  /** Records behind in a partition, as the Kafka source last saw it. */
  consumerLag(topic: string, partition: number, lag: number): void;
  /** The lag summed over every partition seen. */
  totalLag(): number;
  /** Mean latency (ms) of the records written since the previous call, or null if none. */
  takeMeanLatencyMs(): number | null;
  /** A dependency (kafka, postgres) went down at `since` (epoch ms), or is up (`null`). */
  dependency(name: string, since: number | null): void;
  /** One transaction's scoring by the learned models (ms), for `vigie_model_scoring_seconds`. */
  modelScoring(ms: number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const recordsIn = new Counter({ name: 'vigie_records_in_total', help: 'Records that entered a flow', labelNames: ['stage'], registers: [registry], collect: () => flush() });
  const recordsOut = new Counter({ name: 'vigie_records_out_total', help: 'Records a flow produced', labelNames: ['stage'], registers: [registry] });
  const deadLetters = new Counter({ name: 'vigie_dead_letters_total', help: 'Records rejected, by stage', labelNames: ['stage'], registers: [registry] });
  const anomalies = new Counter({ name: 'vigie_anomalies_total', help: 'Readings a detector called anomalous', labelNames: ['detector', 'topic'], registers: [registry] });
  const late = new Counter({ name: 'vigie_late_transactions_total', help: 'Transactions behind their partition\'s watermark, judged against the state as it was', labelNames: ['topic', 'partition'], registers: [registry] });
  const revisions = new Counter({ name: 'vigie_revisions_total', help: 'Earlier decisions changed by a transaction that arrived out of order', registers: [registry] });
  const sinkErrors = new Counter({ name: 'vigie_sink_errors_total', help: 'Failed sink writes (each retry counts)', labelNames: ['sink'], registers: [registry] });
  const batchSize = new Histogram({
    name: 'vigie_sink_batch_size',
    help: 'Records per sink write',
    labelNames: ['sink'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vigie_end_to_end_latency_seconds',
    help: "From a record's arrival to its write in PostgreSQL",
    labelNames: ['flow'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const stageLatency = new Histogram({
    name: 'vigie_stage_latency_seconds',
    help: "From a record's time to the end of a stage: detect (its detection emitted), write (its row in PostgreSQL)",
    labelNames: ['stage'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const lag = new Gauge({ name: 'vigie_consumer_lag', help: 'Records behind the end of a partition when last fetched', labelNames: ['topic', 'partition'], registers: [registry] });
  const lags = new Map<string, number>();
  const downSince = new Map<string, number | null>();
  const dependencyUp = new Gauge({ name: 'vigie_dependency_up', help: '1 when a dependency (kafka, postgres) answers, 0 while it is down', labelNames: ['dependency'], registers: [registry] });
  new Gauge({
    name: 'vigie_dependency_down_since_seconds',
    help: 'How long a dependency has been down, 0 while it is up',
    labelNames: ['dependency'],
    registers: [registry],
    collect() {
      for (const [name, since] of downSince) this.labels(name).set(since === null ? 0 : Math.max(0, Date.now() - since) / 1000);
    },
  });
  // Counted on every transaction's path as plain numbers, handed to prom-client at each scrape:
  // a labelled counter's inc() per record cost more than the rule that made it.
  const pending = { transactions: 0, suspicious: 0, revisions: 0 };
  // late ones are rare: counted by partition (`topic\u0000partition`)
  const pendingLate = new Map<string, number>();
  const ruleHits = new Counter({ name: 'vigie_rule_hits_total', help: 'Suspicious transactions each rule (id, version) fired on', labelNames: ['rule', 'version'], registers: [registry] });
  // by `id\u0000version`, handed over at each scrape as the other counts of the transactions' path
  const pendingHits = new Map<string, number>();
  const flush = (): void => {
    if (pending.transactions > 0) recordsIn.labels('transactions').inc(pending.transactions);
    if (pending.suspicious > 0) recordsOut.labels('suspicious').inc(pending.suspicious);
    if (pending.revisions > 0) revisions.inc(pending.revisions);
    pending.transactions = pending.suspicious = pending.revisions = 0;
    for (const [id, count] of pendingLate) {
      const at = id.indexOf('\u0000');
      late.labels(id.slice(0, at), id.slice(at + 1)).inc(count);
    }
    pendingLate.clear();
    for (const [key, count] of pendingHits) {
      const at = key.indexOf('\u0000');
      ruleHits.labels(key.slice(0, at), key.slice(at + 1)).inc(count);
    }
    pendingHits.clear();
  };
  // The event loop's delay: every record, timer and request waits behind whatever blocks it.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: 'vigie_event_loop_delay_seconds',
    help: "How late the event loop ran its timers since the previous scrape (perf_hooks' monitorEventLoopDelay): p50, p99, max",
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      if (loop.count === 0) return;
      this.labels('0.5').set(loop.percentile(50) / 1e9);
      this.labels('0.99').set(loop.percentile(99) / 1e9);
      this.labels('1').set(loop.max / 1e9);
      loop.reset();
    },
  });
  // The learned models' time per transaction (scoreByModel: both models, the top features when
  // the model flags), since the start: a histogram of ns recorded on the path, read at each scrape.
  const scoring = createHistogram();
  new Gauge({
    name: 'vigie_model_scoring_seconds',
    help: "Time to score a transaction with the learned models since the start (scoreByModel: current and shadow, the top features of a transaction the model flags): p50, p99, max",
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      if (scoring.count === 0) return;
      this.labels('0.5').set(scoring.percentile(50) / 1e9);
      this.labels('0.99').set(scoring.percentile(99) / 1e9);
      this.labels('1').set(scoring.max / 1e9);
    },
  });
  // Zero samples from the first scrape: a dashboard query should find the series, not nothing.
  for (const stage of ['readings', 'transactions']) recordsIn.labels(stage).inc(0);
  for (const stage of ['detections', 'suspicious']) recordsOut.labels(stage).inc(0);
  deadLetters.labels('parse-arduino-line').inc(0);
  sinkErrors.labels('postgres').inc(0);

  let latencySum = 0;
  let latencyCount = 0;
  return {
    registry,
    sensorEvent(event) {
      if (event.kind === 'reading') recordsIn.labels('readings').inc();
      else if (event.kind === 'dead-letter') deadLetters.labels(event.dead.stage).inc();
      else {
        recordsOut.labels('detections').inc();
        const d = event.detection;
        if (d.state === -1) anomalies.labels(d.detector, d.topic).inc();
        stageLatency.labels('detect').observe(Math.max(0, Date.now() - d.time) / 1000);
      }
    },
    transaction: () => void pending.transactions++,
    late: (topic, partition) => {
      const id = `${topic}\u0000${partition}`;
      pendingLate.set(id, (pendingLate.get(id) ?? 0) + 1);
    },
    watermark: (current) => {
      new Gauge({
        name: 'vigie_watermark_seconds',
        help: "Event time reached by the flow (epoch s): the minimum of its partitions' watermarks, idle partitions left out; 0 before any record",
        registers: [registry],
        collect() {
          const value = current();
          if (value !== undefined) this.set(value / 1000);
        },
      });
    },
    revision: () => void pending.revisions++,
    modelScoring: (ms) => scoring.record(Math.max(1, Math.round(ms * 1e6))),
    ruleHits(fired) {
      for (const { id, version } of fired) {
        const key = `${id}\u0000${version}`;
        pendingHits.set(key, (pendingHits.get(key) ?? 0) + 1);
      }
    },
    suspicious: () => void pending.suspicious++,
    sinkError: (sink) => sinkErrors.labels(sink).inc(),
    recordsIn: (stage, count = 1) => recordsIn.labels(stage).inc(count),
    deadLetters: (stage, count = 1) => deadLetters.labels(stage).inc(count),
    consumerLag(topic, partition, behind) {
      lag.labels(topic, String(partition)).set(behind);
      lags.set(`${topic}/${partition}`, behind);
    },
    totalLag: () => [...lags.values()].reduce((a, b) => a + b, 0),
    written(report, now = Date.now()) {
      batchSize.labels(report.sink).observe(report.items.length);
      if (!report.sink.startsWith('postgres:')) return;
      const flow = report.sink === 'postgres:sensor_detections' ? 'sensor' : report.sink.slice('postgres:'.length);
      for (const item of report.items) {
        const time = (item as { time?: unknown }).time;
        if (typeof time !== 'number') continue;
        latency.labels(flow).observe(Math.max(0, now - time) / 1000);
        stageLatency.labels('write').observe(Math.max(0, now - time) / 1000);
        latencySum += now - time;
        latencyCount++;
      }
    },
    dependency(name, since) {
      downSince.set(name, since);
      dependencyUp.labels(name).set(since === null ? 1 : 0);
    },
    takeMeanLatencyMs() {
      const mean = latencyCount === 0 ? null : latencySum / latencyCount;
      latencySum = 0;
      latencyCount = 0;
      return mean;
    },
  };
}
