/**
 * `npm run bench -- fraud`: how long a bank waits for vigie's decision. The real CLI,
 * `vigie detect transactions` with its default settings, reads a topic fed at 1 000 then 5 000
 * transactions/s; each suspicious transaction's latency is measured from its producer timestamp
 * (Kafka's CreateTime) to (1) its alert reaching a consumer of `transaction.alerts` and (2) the
 * commit of the transaction that wrote its row (`pg_xact_commit_timestamp`). Target (issue 11):
 * p99 ≤ 50 ms for both at 5 000/s, with no alert or row missing or doubled. It runs the seed's rule
 * set (`--rules amount`), then vigie's default rules, a run each, and prints each one's p99s beside
 * the target and the load average of its run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { progress } from '../src/cli/progress.ts';
import { type Cli, startCli } from './fraud/cli.ts';
import { stagesFromProfile } from './fraud/stages.ts';
import { watchAlerts } from './fraud/alerts.ts';
import { type Outcome, type Phase, outcome } from './fraud/outcome.ts';
import { commitTimes, countSuspicious, deleteState, deleteSuspicious, tracksCommitTimes } from './fraud/rows.ts';
import { LIMIT_XAF, PER_ACCOUNT, type Produced, readProduced } from './fraud/transactions.ts';
import { round } from './kafka/latencies.ts';
import { producePaced } from './kafka/pacedProducer.ts';
import { createTopic, deleteTopics, waitForGroup } from './kafka/records.ts';
import { startServices } from './kafka/services.ts';
import type { Bench } from './section.ts';

const SECONDS = Number(process.env['BENCH_FRAUD_SECONDS'] ?? 20);
/** `BENCH_FRAUD_CPU_PROFILE=dir`: keep vigie's CPU profile there (Chrome DevTools opens it); a temporary one by default. */
const PROFILE_DIR = process.env['BENCH_FRAUD_CPU_PROFILE'];
/** A rule set the benchmark runs vigie with, one run each. */
interface RuleSet {
  readonly label: string;
  /** Arguments of `vigie detect transactions`: none for the default rules. */
  readonly args: readonly string[];
  /** A learned model scores beside the rules (`--model`). */
  readonly model?: boolean;
}
/**
 * `BENCH_FRAUD_MODEL=file`: a model file (`vigie train fraud`); the default rules run alone, then
 * with `--model file`, and the model's scoring time per transaction inside the flow
 * (vigie_model_scoring_seconds) and the CPU per transaction of both are compared.
 */
const MODEL = process.env['BENCH_FRAUD_MODEL'] || undefined;
/** Targets of issue 24: scoring p99 per transaction, and the flow's throughput with the model within 20 % of the rules alone. */
const MAX_SCORING_P99_US = 100;
const MIN_THROUGHPUT_RATIO = 0.8;
const SEED_RULES: RuleSet = { label: 'seed rules (`--rules amount`)', args: ['--rules', 'amount'] };
const DEFAULT_RULES: RuleSet = { label: 'default rules', args: [] };
/**
 * `BENCH_FRAUD_RULES`: unset, the seed's rule set (the prototype's amount rule alone) then vigie's
 * default rules, one run each; `amount` or `default`, that one alone; any other value, that `--rules` list.
 */
function ruleSets(chosen = process.env['BENCH_FRAUD_RULES']): readonly RuleSet[] {
  // with a model: the default rules alone, then the same with the model, on the same run
  if (MODEL !== undefined) return [DEFAULT_RULES, { label: `default rules + model (\`--model ${path.basename(MODEL)}\`)`, args: ['--model', path.resolve(MODEL)], model: true }];
  if (chosen === undefined || chosen === '') return [SEED_RULES, DEFAULT_RULES];
  if (chosen === 'amount') return [SEED_RULES];
  if (chosen === 'default') return [DEFAULT_RULES];
  return [{ label: `\`--rules ${chosen}\``, args: ['--rules', chosen] }];
}
/**
 * `BENCH_FRAUD_STORE_TRANSACTIONS=1`: every run with `--store-transactions` (every transaction a
 * row of `transactions`, for training), to measure what storing them costs beside a run without.
 */
const STORE_TRANSACTIONS = process.env['BENCH_FRAUD_STORE_TRANSACTIONS'] === '1';
const stored = (rules: RuleSet): RuleSet => (STORE_TRANSACTIONS ? { ...rules, label: `${rules.label} + \`--store-transactions\``, args: [...rules.args, '--store-transactions'] } : rules);
const WARM_UP = { label: 'warm-up', rate: 1_000, seconds: 3 };
const RATES = [1_000, 5_000] as const;
const MAX_P99_MS = 50;
const PARTITIONS = 6;
const ALERTS_TOPIC = 'transaction.alerts';
const PRODUCER_LINGER_MS = 2;
/** How long after the last record the alerts and rows may take: today's rules hold records 30 s. */
const DRAIN_MS = 90_000;

/**
 * "Today's figure": this benchmark on commit 25cff18, before decisions on arrival, when the
 * per-account rules held every transaction about `--allowed-lateness` (30 s) for event time.
 */
const BASELINE = {
  commit: '25cff18',
  date: '2026-12-03',
  // Alerts and rows alike: held for event time, and vigie fell behind at 5 000/s (load 5.8 → 14.4 on 2 cores).
  at5000: 'alert 61 077, row 61 221 (p50 32 376 / 32 327; at 1 000/s p99 11 486 / 11 445)',
};

const fmt = (n: number): string => n.toLocaleString('en');
const load = (): string => loadavg()[0]!.toFixed(1);
const labelOf = (rate: number): string => `${fmt(rate)}/s`;

/** One rule set's run: its figures, the targets it missed, and its p99s at 5 000/s for the summary. */
interface Run {
  readonly figures: Record<string, number | string>;
  readonly failures: string[];
  readonly where: string;
  readonly p99: { readonly alert: number; readonly row: number };
  readonly load: string;
  /** vigie's CPU µs per transaction after the warm-up. */
  readonly cpuUs: number;
  /** With a model: its scoring time per transaction, µs (p50, p99, max over the whole run). */
  readonly scoring?: { readonly p50: number; readonly p99: number; readonly max: number };
}

async function fraud(log: (line: string) => void, rules: RuleSet): Promise<Run> {
  if (!(SECONDS > 0)) throw new RangeError(`BENCH_FRAUD_SECONDS must be a positive number, got ${SECONDS}`);
  const services = await startServices(log, { track_commit_timestamp: 'on' });
  const topic = `transaction-bench-${randomBytes(3).toString('hex')}`;
  const group = `${topic}-vigie`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-fraud-'));
  const figures: Record<string, number | string> = {};
  const failures: string[] = [];
  const loadBefore = load();
  const p99 = { alert: Number.NaN, row: Number.NaN };
  let loads = '';
  let scoring: Run['scoring'];
  let cpuOfRun = Number.NaN;
  try {
    const tracked = await tracksCommitTimes(services.pool);
    await createTopic(services.brokers, topic, false, PARTITIONS);
    const alerts = await watchAlerts(services.brokers, ALERTS_TOPIC, topic);
    // The password travels in the environment, not on a command line others can list.
    // Where vigie's CPU goes: a .cpuprofile written as it stops, read into µs per stage.
    const profileDir = path.resolve(PROFILE_DIR ?? path.join(dataDir, 'profile'));
    const cli = startCli(['detect', 'transactions', '--kafka', services.brokers.join(','), '--topic', topic, '--group', group, '--data-dir', dataDir, ...rules.args], {
      DATABASE_URL: services.databaseUrl,
    }, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    const loop = watchEventLoop(cli);
    const phases: (Phase & { rate: number })[] = [];
    let produced: Map<string, Produced>;
    let cpuFrom: number | undefined;
    const cores = new Map<string, string>();
    let cpu = 'not measured (no /proc)';
    let cpuUs = Number.NaN;
    try {
      await Promise.race([waitForGroup(services.brokers, group, 60_000), cli.died]);
      let sent = 0;
      let warmedUp = 0;
      for (const { label, rate, seconds } of [WARM_UP, ...RATES.map((rate) => ({ label: labelOf(rate), rate, seconds: SECONDS }))]) {
        const bar = progress(`bench: ${label}, ${fmt(rate)} transactions/s for ${seconds} s`, { total: Math.round(rate * seconds) });
        const from = Date.now();
        const vigieCpu = cli.cpuSeconds();
        if (label !== WARM_UP.label && cpuFrom === undefined) [cpuFrom, warmedUp] = [vigieCpu, sent];
        const paced = await Promise.race([
          producePaced({ brokers: services.brokers, topic, rate, seconds, lingerMs: PRODUCER_LINGER_MS, payload: { kind: 'transactions', firstIndex: sent } }, (n) => bar.update(n)),
          cli.died,
        ]);
        bar.update(paced.sent);
        bar.finish();
        const to = Date.now();
        const vigieUsed = (cli.cpuSeconds() ?? Number.NaN) - (vigieCpu ?? Number.NaN);
        // Who had the machine's cores: vigie needs (CPU per transaction × rate) of one to keep up.
        cores.set(label, `vigie ${(vigieUsed / ((to - from) / 1000)).toFixed(2)}, producer ${(paced.cpuSeconds / ((to - from) / 1000)).toFixed(2)}`);
        phases.push({ label, rate, from, to });
        sent += paced.sent;
      }
      produced = await readProduced(services.brokers, topic, sent);
      const expected = [...produced.values()].filter((p) => p.suspicious).length;
      await Promise.race([drained(services.pool, topic, alerts.arrivals, expected), cli.died]);
      const cpuTo = cli.cpuSeconds();
      if (cpuFrom !== undefined && cpuTo !== undefined) {
        const perRecord = (cpuTo - cpuFrom) / (sent - warmedUp);
        cpuUs = perRecord * 1e6;
        cpu = `${Math.round(perRecord * 1e6)} (${fmt(Math.round(1 / perRecord))})`;
      }
      scoring = loop.scoring();
    } finally {
      loop.stop();
      const code = await cli.stop();
      if (code !== 0) failures.push(`vigie detect transactions exited with code ${code} on Ctrl-C: ${cli.tail()}`);
      await alerts.stop();
    }
    const measured = phases.filter((p) => p.label !== WARM_UP.label);
    const ofAlerts = outcome(produced, alerts.arrivals, measured);
    const ofRows = tracked ? outcome(produced, await commitTimes(services.pool, topic), measured) : undefined;
    if (!tracked) failures.push('the database does not record commit times (track_commit_timestamp is off): no row latency');
    figures['transactions produced, warm-up included'] = produced.size;
    figures[`suspicious (above ${fmt(LIMIT_XAF)} XAF)`] = [...produced.values()].filter((p) => p.suspicious).length;
    for (const phase of measured) {
      Object.assign(figures, phaseFigures(phase, produced, ofAlerts, ofRows));
      figures[`${phase.label}: vigie read (records/s, from its per-second line)`] = readRate(cli.counts, phase);
      figures[`${phase.label}: cores used (CPU s per s)`] = cores.get(phase.label)!;
      const alertP99 = ofAlerts.latency.get(phase.label)!.p99;
      const rowP99 = ofRows?.latency.get(phase.label)!.p99 ?? Number.NaN;
      if (phase.rate === 5_000) {
        [p99.alert, p99.row] = [alertP99, rowP99];
        if (!(alertP99 <= MAX_P99_MS)) failures.push(`p99 from the producer to the alert at 5 000/s is ${round(alertP99, 0)} ms, not ≤ ${MAX_P99_MS} ms`);
        if (ofRows && !(rowP99 <= MAX_P99_MS)) failures.push(`p99 from the producer to the row committed at 5 000/s is ${round(rowP99, 0)} ms, not ≤ ${MAX_P99_MS} ms`);
      }
    }
    for (const [sink, o] of [['alerts', ofAlerts], ['rows', ofRows]] as const) {
      if (!o) continue;
      figures[`${sink} missing / doubled / unexpected`] = `${fmt(o.missing)} / ${fmt(o.doubled)} / ${fmt(o.unexpected)}`;
      if (o.missing + o.doubled + o.unexpected > 0) failures.push(`${sink}: ${o.missing} missing, ${o.doubled} doubled, ${o.unexpected} unexpected`);
    }
    figures["vigie's CPU per transaction after the warm-up, µs (the rate one free core would sustain, /s)"] = cpu;
    cpuOfRun = cpuUs;
    if (rules.model) {
      figures['model scoring per transaction inside the flow, whole run: p50 / p99 / max (µs, vigie_model_scoring_seconds)'] =
        scoring === undefined ? 'not scraped' : `${round(scoring.p50, 1)} / ${round(scoring.p99, 1)} / ${round(scoring.max, 0)}`;
      if (!(scoring !== undefined && scoring.p99 <= MAX_SCORING_P99_US)) failures.push(`the model's scoring p99 per transaction is ${scoring === undefined ? 'not measured' : `${round(scoring.p99, 1)} µs`}, not ≤ ${MAX_SCORING_P99_US} µs`);
    }
    const { stages, busyUs } = await stagesFromProfile(profileDir, produced.size);
    figures['CPU per transaction by stage, whole run (µs, from its CPU profile)'] = `${round(busyUs, 1)} busy: ${stages
      .filter(([name]) => !name.startsWith('idle'))
      .map(([name, us]) => `${name} ${round(us, 1)}`)
      .join(', ')}`;
    figures["event loop delay, worst p99 / max over the run's scrapes (ms, vigie_event_loop_delay_seconds)"] = loop.describe();
    const revisions = await countSuspicious(services.pool, topic);
    figures['revisions: alerts / rows (none expected: no per-account rule can fire)'] = `${fmt(alerts.revisions())} / ${fmt(revisions.revisions)}`;
    figures[`baseline: 5 000/s on ${BASELINE.commit} (${BASELINE.date}), alert / row p99 (ms)`] = BASELINE.at5000;
    loads = `${loadBefore} → ${load()}`;
    figures['load average (1 min) at start → end, cores'] = `${loads}, ${cpus().length} cores`;
  } finally {
    if (!services.embedded.postgres) {
      await deleteSuspicious(services.pool, topic).catch((error: Error) => log(`bench: could not delete the rows: ${error.message}`));
      await deleteState(services.pool, group).catch((error: Error) => log(`bench: could not delete vigie's state: ${error.message}`));
    }
    if (!services.embedded.kafka) await deleteTopics(services.brokers, [topic]).catch((error: Error) => log(`bench: could not delete the topic: ${error.message}`));
    await services.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return { figures, failures, where: services.description, p99, load: loads, cpuUs: cpuOfRun, ...(scoring && { scoring }) };
}

/** Scrapes vigie's /metrics every second for the event loop's delay (p99 and max since the previous scrape). */
function watchEventLoop(cli: Cli): { stop(): void; describe(): string; scoring(): Run['scoring'] } {
  let [p99, max, scrapes] = [0, 0, 0];
  let scoring: Run['scoring'];
  const timer = setInterval(() => {
    const url = cli.dashboard();
    if (url === undefined) return;
    fetch(`${url}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        const quantile = (q: string): number => Number(new RegExp(`^vigie_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
        if (Number.isFinite(quantile('0.99'))) [p99, max, scrapes] = [Math.max(p99, quantile('0.99')), Math.max(max, quantile('1')), scrapes + 1];
        // the model's scoring time since the start: the last scrape holds the whole run
        const scored = (q: string): number => Number(new RegExp(`^vigie_model_scoring_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1e6;
        if (Number.isFinite(scored('0.99'))) scoring = { p50: scored('0.5'), p99: scored('0.99'), max: scored('1') };
      })
      .catch(() => {});
  }, 1_000);
  return {
    stop: () => clearInterval(timer),
    describe: () => (scrapes === 0 ? 'not scraped' : `${round(p99, 0)} / ${round(max, 0)} (${scrapes} scrapes)`),
    scoring: () => scoring,
  };
}

/** Resolves once every suspicious transaction has its alert and its row, or after {@link DRAIN_MS}. */
async function drained(pool: import('pg').Pool, topic: string, arrivals: ReadonlyMap<string, unknown>, expected: number): Promise<void> {
  const bar = progress('bench: alerts and rows of the suspicious transactions', { total: 2 * expected });
  const deadline = Date.now() + DRAIN_MS;
  for (;;) {
    const { first: rows } = await countSuspicious(pool, topic);
    bar.update(Math.min(expected, arrivals.size) + Math.min(expected, rows));
    if ((arrivals.size >= expected && rows >= expected) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  bar.finish();
}

/** Records vigie read between the first and the last of its lines within the phase, per second. */
function readRate(counts: readonly { at: number; records: number }[], phase: Phase): number | string {
  const within = counts.filter((c) => c.at >= phase.from && c.at <= phase.to);
  if (within.length < 2) return 'not reported';
  const [first, last] = [within[0]!, within.at(-1)!];
  return Math.round(((last.records - first.records) * 1000) / (last.at - first.at));
}

function phaseFigures(phase: Phase & { rate: number }, produced: ReadonlyMap<string, Produced>, ofAlerts: Outcome, ofRows: Outcome | undefined): Record<string, number | string> {
  let [count, first, last] = [0, Infinity, -Infinity];
  for (const { createTime: t } of produced.values()) {
    if (t < phase.from || t > phase.to) continue;
    [count, first, last] = [count + 1, Math.min(first, t), Math.max(last, t)];
  }
  const figures: Record<string, number | string> = { [`${phase.label}: achieved (transactions/s)`]: Math.round(((count - 1) * 1000) / (last - first)) };
  for (const [what, o] of [['alert', ofAlerts], ['row committed', ofRows]] as const) {
    const s = o?.latency.get(phase.label);
    figures[`${phase.label}: producer → ${what}, p50 / p99 / max (ms)`] = s ? `${round(s.p50, 0)} / ${round(s.p99, 0)} / ${round(s.max, 0)} (${fmt(s.count)})` : 'not measured';
  }
  return figures;
}

export const fraudBench: Bench = {
  name: 'fraud',
  async run() {
    const runs: (Run & { rules: RuleSet })[] = [];
    for (const rules of ruleSets().map(stored)) runs.push({ rules, ...(await fraud((line) => console.error(`${rules.label}: ${line}`), rules)) });
    const figures: Record<string, number | string> = {};
    for (const { rules, figures: f } of runs) for (const [name, value] of Object.entries(f)) figures[runs.length > 1 ? `${rules.label}: ${name}` : name] = value;
    const failures = runs.flatMap(({ rules, failures: f }) => f.map((line) => (runs.length > 1 ? `${rules.label}: ${line}` : line)));
    const alone = runs.find((r) => !r.rules.model);
    const withModel = runs.find((r) => r.rules.model);
    if (alone && withModel) {
      // throughput a free core sustains = 1 / CPU per transaction: the ratio of the two runs' CPU
      const ratio = alone.cpuUs / withModel.cpuUs;
      figures['throughput with the model / the rules alone (CPU µs per transaction of each, inverted)'] = `${round(ratio, 2)} (${round(alone.cpuUs, 0)} µs alone, ${round(withModel.cpuUs, 0)} µs with the model)`;
      if (!(ratio >= MIN_THROUGHPUT_RATIO)) failures.push(`with the model the flow sustains ${round(ratio * 100, 0)} % of the rules alone's throughput, not ≥ ${MIN_THROUGHPUT_RATIO * 100} %`);
    }
    const ms = (x: number): string => (Number.isFinite(x) ? `${fmt(Math.round(x))} ms` : 'not measured');
    return {
      title: 'Fraud: decision latency, producer → alert and → row, through `vigie detect transactions`',
      method:
        `On ${runs[0]?.where ?? "no servers"} (started by the benchmark unless given; PostgreSQL with track_commit_timestamp = on). ` +
        `The real CLI, \`bin/vigie detect transactions\` with its default settings, reads a topic of ${PARTITIONS} partitions. ` +
        `A producer in a child process (vigie's producer settings, linger ${PRODUCER_LINGER_MS} ms) sends transactions like the seed's ` +
        `(amount uniform in 100-20 000 XAF, currency XAF, timestamp now, keyed by an account of at most ${PER_ACCOUNT} transactions, so that only the amount rule can fire): ` +
        `${WARM_UP.seconds} s of warm-up at ${fmt(WARM_UP.rate)}/s, not counted, then ${RATES.map(fmt).join(' then ')}/s for ${SECONDS} s each. ` +
        "Latency of a suspicious transaction = (1) its alert's arrival at the benchmark's consumer of transaction.alerts, (2) pg_xact_commit_timestamp of its row in suspicious_transactions, " +
        "each minus the record's producer timestamp (Kafka CreateTime); joined by source partition and offset; exact percentiles over every suspicious transaction, 1 ms clock. " +
        'Missing = above the limit with no alert (row); doubled = extra copies; unexpected = alerts (rows) of transactions below the limit; revisions are counted apart, the first decision is timed. ' +
        "Also: how fast vigie read in each phase (its own per-second line), and its CPU time (/proc) per transaction after the warm-up: the rate one free core would sustain, which tells vigie's cost from the machine's load; and the cores vigie and the producer used in each phase (CPU seconds per second). " +
        'vigie gets the database URL in its environment (DATABASE_URL, kept off the command line) and none of the caller\'s VIGIE_* variables. ' +
        `Rules: ${runs.map((r) => r.rules.label).join(', then ')}, a run each with a topic of its own (BENCH_FRAUD_RULES=amount or default: that one alone). ` +
        "vigie runs with node's --cpu-prof: its profile, read at the end, gives the CPU µs per transaction of each stage (a sample goes to the innermost frame that belongs to one); " +
        "the event loop's delay is scraped from its /metrics every second.",
      table: {
        header: ['rule set', `p99 at ${fmt(5_000)}/s on ${PARTITIONS} partitions: producer → alert`, 'producer → row committed', 'target', 'load average (1 min), start → end'],
        rows: runs.map(({ rules, p99, load: l }) => [rules.label, ms(p99.alert), ms(p99.row), `≤ ${MAX_P99_MS} ms`, `${l} (${cpus().length} cores)`]),
      },
      figures,
      failures,
    };
  },
};
