/** The figures of a chaos run, and whether it passed: no loss, no double, no crash, nothing stuck. */
import type { Audit, Tally } from './audit.ts';
import { type Difference, describeDifference, identical } from './compareResults.ts';
import type { Crash } from './flows.ts';
import type { Injected } from './faults.ts';

export interface ChaosResult {
  readonly seed: number;
  readonly seconds: number;
  readonly audit: Audit;
  /** The results against an uninterrupted replay of the same topics, table by table and the alerts. */
  readonly identity?: readonly Difference[];
  readonly faults: readonly (Injected & { recoveryMs: number | null })[];
  readonly crashes: readonly Crash[];
  readonly looping: readonly string[];
}

export interface Verdict {
  readonly passed: boolean;
  readonly lost: number;
  readonly doubled: number;
  readonly wrong: number;
  readonly problems: string[];
}

export function verdict({ audit, identity = [], faults, crashes, looping }: ChaosResult): Verdict {
  const sum = (f: (t: Tally) => number) => [...audit.byKind.values()].reduce((a, t) => a + f(t), 0);
  const lost = sum((t) => t.lost);
  const doubled = sum((t) => t.doubled);
  const wrong = sum((t) => t.wrong);
  const problems: string[] = [];
  for (const [kind, t] of audit.byKind) {
    if (t.lost + t.doubled + t.wrong > 0) problems.push(`${kind}: ${t.lost} lost, ${t.doubled} doubled, ${t.wrong} wrong outcome of ${t.produced} (e.g. ${t.examples.join(', ')})`);
  }
  if (audit.alerts.missing > 0) problems.push(`${audit.alerts.missing} suspicious transactions without their alert id on the alerts topic`);
  if (audit.alerts.differing > 0) problems.push(`${audit.alerts.differing} repeated alerts whose payload differs from the first`);
  if (audit.alerts.dlqMissing > 0) problems.push(`${audit.alerts.dlqMissing} dead letters without their id on the dead-letter topic`);
  for (const d of identity) if (!identical(d)) problems.push(`not as uninterrupted: ${describeDifference(d)}`);
  for (const s of audit.stuck) problems.push(`stuck: ${s}`);
  for (const c of crashes) problems.push(`crash: ${c.flow} exit ${c.code ?? c.signal}: ${lastWords(c.tail)}`);
  for (const name of looping) problems.push(`crash loop: ${name} left dead`);
  for (const f of faults) if (f.recoveryMs === null) problems.push(`not recovered: ${f.kind} (${f.target})`);
  return { passed: problems.length === 0, lost, doubled, wrong, problems };
}

export function report(result: ChaosResult): string {
  const v = verdict(result);
  const { audit } = result;
  const lines = [`chaos: seed ${result.seed}, ${result.seconds} s`, '', 'records produced (ok / lost / doubled / wrong outcome):'];
  for (const [kind, t] of [...audit.byKind].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${kind.padEnd(28)} ${String(t.produced).padStart(7)}  ${t.ok} / ${t.lost} / ${t.doubled} / ${t.wrong}`);
  }
  const byKind = new Map<string, number>();
  for (const f of result.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  lines.push('', `faults injected: ${result.faults.length} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`, 'recovery (fault end -> work produced before it committed; for the bridge, readings flowing again):');
  for (const f of result.faults) {
    const t = Math.round((f.startedAt - result.faults[0]!.startedAt) / 1000);
    const down = `fault ${((f.endedAt - f.startedAt) / 1000).toFixed(1)} s`;
    lines.push(`  +${String(t).padStart(4)} s ${f.kind.padEnd(20)} ${f.target.padEnd(16)} ${down.padEnd(13)} ${f.recoveryMs === null ? 'NOT RECOVERED' : `recovered in ${(f.recoveryMs / 1000).toFixed(1)} s`}`);
  }
  const a = audit.alerts;
  lines.push(
    '',
    `alerts (at least once, by alert_id): ${a.records} records, ${a.repeats} repeats, ${a.missing} missing, ${a.differing} differing repeats; dead letters missing from the DLQ: ${a.dlqMissing}`,
    `against an uninterrupted replay: ${(result.identity ?? []).map((d) => (identical(d) ? `${d.what} identical (${d.sizeA})` : `${d.what} DIFFERENT`)).join(', ') || 'not run'}`,
    `lost ${v.lost} | doubled ${v.doubled} | wrong ${v.wrong} | stuck ${audit.stuck.length} | crashes ${result.crashes.length}`,
    '',
    v.passed ? 'PASSED' : `FAILED:\n  ${v.problems.join('\n  ')}`,
  );
  return lines.join('\n');
}

/** What a dying process said last: its `vigie:` message, else its last line that is not a stack frame. */
/**
 * What the flow said last: its last `vigie:` line (how the CLI reports the error that ended it)
 * with the first frames of its stack, else its last line, else the frames: a stack longer than the
 * tail must not leave the report empty.
 */
function lastWords(tail: string): string {
  const lines = tail.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines.map((l) => l.startsWith('vigie:')).lastIndexOf(true);
  if (last >= 0) return lines.slice(last, last + 4).join(' | ').slice(0, 600);
  const words = lines.filter((l) => !l.startsWith('at '));
  return (words.at(-1) ?? lines.slice(0, 3).join(' | ')).slice(0, 600);
}
