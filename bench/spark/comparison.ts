/**
 * The report of `npm run bench -- spark`: one row per engine, as issue 21's table (records/s and
 * × Spark of the same round, from its query's start and from launch; the load average of each
 * run; peak memory; rows missing / doubled), then the targets, each said met or missed.
 */
import { outcome } from '../fraud/outcome.ts';
import type { Produced } from '../fraud/transactions.ts';
import { round } from '../kafka/latencies.ts';
import type { BenchSection } from '../section.ts';
import type { BacklogResult } from './backlog.ts';
import { ENGINES, ENGINE_LABELS, type Engine, FLOOR_OF } from './engines.ts';
import { type LiveResult, WARM_UP, rateLabel } from './live.ts';
import { type BacklogRates, sameRoundRatios } from './rates.ts';

export interface Runs {
  readonly backlog: BacklogResult[];
  readonly live: LiveResult[];
  readonly errors: string[];
}

/** Issue 21's targets, vigie at its defaults against Spark in the same run. */
const TIMES_SPARK: Partial<Record<Engine, number>> = { 'vigie-seed': 2, 'vigie-seed-no-alerts': 3, 'vigie-default': 1 };
const RSS_FRACTION_OF_SPARK = 0.5;
const P99 = { rate: 5_000, ms: 50 };

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : 'n/a');
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const CLOCKS = [
  ['fromQueryStart', 'from query start'],
  ['fromLaunch', 'from launch'],
] as const satisfies readonly (readonly [keyof BacklogRates, string])[];

export function comparison(runs: Record<Engine, Runs>, rates: readonly number[], live: boolean): { table: NonNullable<BenchSection['table']>; targets: string[]; failures: string[] } {
  const perRound = (e: Engine, clock: keyof BacklogRates): { round: number; rate: number }[] => runs[e].backlog.map((b) => ({ round: b.round, rate: b.rates[clock] }));
  const ratios = (e: Engine, clock: keyof BacklogRates, base: Engine = 'spark'): number[] => sameRoundRatios(perRound(e, clock), perRound(base, clock));
  const peak = (e: Engine): number => Math.max(0, ...[...runs[e].backlog, ...runs[e].live].map((r) => r.usage.peakRssMb));
  const pooled = (e: Engine): ReturnType<typeof outcome> | undefined => {
    const l = runs[e].live;
    if (l.length === 0) return undefined;
    const produced = new Map<string, Produced>(l.flatMap((x) => [...x.produced]));
    const seen = new Map<string, number[]>(l.flatMap((x) => [...x.seen]));
    return outcome(produced, seen, l.flatMap((x) => x.phases.filter((p) => p.label !== WARM_UP)));
  };
  const lived = Object.fromEntries(ENGINES.map((e) => [e, pooled(e)])) as Record<Engine, ReturnType<typeof pooled>>;
  const missingDoubled = (e: Engine): [number, number, number] => {
    const b = runs[e].backlog;
    const l = lived[e];
    return [
      b.reduce((n, x) => n + x.missing, 0) + (l?.missing ?? 0),
      b.reduce((n, x) => n + x.doubled, 0) + (l?.doubled ?? 0),
      b.reduce((n, x) => n + x.unexpected, 0) + (l?.unexpected ?? 0),
    ];
  };

  const header = [
    'engine',
    ...CLOCKS.flatMap(([, name]) => [`records/s ${name}, per round`, `× Spark, same round (${name})`]),
    'load average (1 min) per run, start → end',
    'peak memory (process tree)',
    'rows missing / doubled',
    'CPU s per run',
    'against the floor, same alerts (from query start)',
    ...(live ? rates.map((r) => `${rateLabel(r)} p50 / p99 (one partition)`) : []),
  ];
  const rows = ENGINES.filter((e) => runs[e].backlog.length > 0 || runs[e].live.length > 0).map((e) => {
    const b = runs[e].backlog;
    const stopped = (x: BacklogResult): string => (x.complete ? '' : ' (stopped)');
    const [missing, doubled, other] = missingDoubled(e);
    const behind = runs[e].live.some((x) => !x.caughtUp) ? ', a live run fell behind' : '';
    const floor = FLOOR_OF[e];
    return [
      ENGINE_LABELS[e],
      ...CLOCKS.flatMap(([clock]) => [
        b.map((x) => `${fmt(x.rates[clock])}${stopped(x)}`).join(', ') || 'not measured',
        e === 'spark' ? '1' : ratios(e, clock).map((r) => r.toFixed(2)).join(', '),
      ]),
      b.map((x) => `${x.load.start.toFixed(1)} → ${x.load.end.toFixed(1)}`).join(', '),
      peak(e) > 0 ? `${fmt(peak(e))} MB${e !== 'spark' && peak('spark') > 0 ? ` (${(peak(e) / peak('spark')).toFixed(2)} × Spark)` : ''}` : 'not measured',
      `${fmt(missing)} / ${fmt(doubled)}${other > 0 ? ` (+ ${fmt(other)} rows of ≤ 10 000 XAF by other rules)` : ''}${behind}`,
      b.map((x) => round(x.usage.cpuSeconds, 1)).join(', '),
      floor ? ratios(e, 'fromQueryStart', floor).map((r) => `${r.toFixed(2)} ×`).join(', ') : '',
      ...(live
        ? rates.map((r) => {
            const s = lived[e]?.latency.get(rateLabel(r));
            return s && s.count > 0 ? `${fmt(s.p50)} / ${fmt(s.p99)} ms` : 'not measured';
          })
        : []),
    ];
  });

  const targets: string[] = [];
  const failures: string[] = [];
  const judge = (what: string, met: boolean): void => {
    targets.push(`${what}: ${met ? 'met' : 'MISSED'}`);
    if (!met) failures.push(what);
  };
  for (const e of ENGINES.filter((x) => x.startsWith('vigie') && runs[x].backlog.length > 0)) {
    const times = TIMES_SPARK[e];
    if (times !== undefined && runs.spark.backlog.length > 0) {
      for (const [clock, name] of CLOCKS) {
        const r = mean(ratios(e, clock));
        judge(`${ENGINE_LABELS[e]}: backlog ${name} ≥ ${times} × Spark (mean of the rounds' ratios: ${Number.isFinite(r) ? r.toFixed(2) : 'n/a'} ×)`, r >= times);
      }
    }
    if (peak('spark') > 0) judge(`${ENGINE_LABELS[e]}: peak memory ≤ ½ Spark's (${fmt(peak(e))} MB against ${fmt(peak('spark'))} MB)`, peak(e) <= RSS_FRACTION_OF_SPARK * peak('spark'));
    const p99 = lived[e]?.latency.get(rateLabel(P99.rate))?.p99;
    if (p99 !== undefined) judge(`${ENGINE_LABELS[e]}: p99 at ${rateLabel(P99.rate)} ≤ ${P99.ms} ms (${fmt(p99)} ms)`, p99 <= P99.ms);
  }
  for (const e of ENGINES.filter((x) => x !== 'spark' && (runs[x].backlog.length > 0 || runs[x].live.length > 0))) {
    const [missing, doubled] = missingDoubled(e);
    judge(`${ENGINE_LABELS[e]}: nothing missing or doubled (${fmt(missing)} / ${fmt(doubled)})`, missing + doubled === 0);
  }
  return { table: { header, rows }, targets, failures };
}
