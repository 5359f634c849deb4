/**
 * `vigie rules test` end to end on the simulated bank (a small `vigie simulate bank` run made
 * here): a draft that lowers the amount limit from 10 000 to 5 000 XAF and adds a per-terminal
 * burst rule, beside the default rules. A lower limit flags a superset of what the live limit
 * flags, so the draft catches at least as many frauds and raises more false alarms, loses
 * nothing, and what it adds is exactly the difference of the two sets' counts; each rule scored
 * from the one pass gives the figures `vigie evaluate fraud` gives that rule run alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, vigie } from '../helpers/processes.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigie-rules-test-'));
const bank = path.join(dir, 'bank.csv');
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Figures { tp: number; fp: number; fn: number; tn: number; precision: number; recall: number; averagePrecision: number; cardPrecisionAt100: number; recallByKind: Record<string, number> }
interface OnlyOne { frauds: number; fraudsByKind: Record<string, number>; falseAlarms: number }
interface Result { draft: string; file: string; rows: number; frauds: number; methods: Record<string, Figures>; comparison: { a: string; b: string; onlyA: OnlyOne; onlyB: OnlyOne } }

async function json(args: string[]): Promise<{ result: unknown; output: string }> {
  const run = vigie(args);
  let stdout = '';
  run.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  expect(await run.exit, run.output()).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(1);
  return { result: JSON.parse(stdout), output: run.output() };
}

const AMOUNT_5000 = { id: 'amount', version: 2, value: { field: 'amount' }, compare: '>', limit: { by: 'currency', limits: { XAF: 5000 } }, reason: 'amount>{limit}{currency}' };
const BURST = { id: 'terminal-burst', version: 1, key: ['account', 'terminal'], value: { aggregate: 'count', window: '1h' }, compare: '>', limit: 3, ttl: '2h' };

beforeAll(async () => {
  const run = vigie(['simulate', 'bank', '--customers', '3000', '--days', '10', '--out', bank]);
  expect(await run.exit, run.output()).toBe(0);
}, 60_000);

describe('vigie rules test', () => {
  it('compares a draft with a lower amount limit with the default rules on the simulated bank, in one replay', async () => {
    const draft = path.join(dir, 'draft.json');
    writeFileSync(draft, JSON.stringify({ rules: [AMOUNT_5000, BURST] }));
    const out = path.join(dir, 'out');
    const { result } = await json(['rules', 'test', draft, '--on', bank, '--json', '--out', out]);
    const r = result as Result;
    expect(r.frauds).toBeGreaterThan(20);
    expect(Object.keys(r.methods)).toEqual(['live', 'draft', 'live:amount', 'live:drain', 'live:frequency', 'live:travel', 'live:new-country', 'live:zscore', 'draft:amount', 'draft:terminal-burst']);
    const { live, draft: drafted } = r.methods as Record<string, Figures>;
    // a lower limit: more frauds caught, more false alarms, nothing lost
    expect(drafted!.tp).toBeGreaterThan(live!.tp);
    expect(drafted!.fp).toBeGreaterThan(live!.fp);
    expect(r.comparison.onlyA).toEqual({ frauds: 0, fraudsByKind: {}, falseAlarms: 0 });
    expect(r.comparison.onlyB.frauds).toBe(drafted!.tp - live!.tp);
    expect(r.comparison.onlyB.falseAlarms).toBe(drafted!.fp - live!.fp);
    expect(Object.values(r.comparison.onlyB.fraudsByKind).reduce((a, b) => a + b)).toBe(r.comparison.onlyB.frauds);
    expect(r.methods['draft:amount']!.tp).toBeGreaterThan(r.methods['live:amount']!.tp);
    expect(r.methods['draft:amount']!.fp).toBeGreaterThan(r.methods['live:amount']!.fp);
    for (const m of Object.values(r.methods)) expect(m.tp + m.fp + m.fn + m.tn).toBe(r.rows);

    // each rule from the one pass = that rule alone in `vigie evaluate fraud`
    const alone = (await json(['evaluate', 'fraud', bank, '--json', '--out', path.join(dir, 'alone')])).result as Result;
    const counts = ({ tp, fp, fn, tn, averagePrecision, cardPrecisionAt100 }: Figures) => ({ tp, fp, fn, tn, averagePrecision, cardPrecisionAt100 });
    for (const rule of ['amount', 'drain', 'frequency', 'zscore']) expect(counts(r.methods[`live:${rule}`]!), rule).toEqual(counts(alone.methods[rule]!));
    expect(counts(live!)).toEqual(counts(alone.methods['set']!));
    // the draft's amount rule alone = evaluate fraud's amount rule at that limit
    const lower = (await json(['evaluate', 'fraud', bank, '--json', '--rules', 'amount', '--amount-limit', '5000', '--out', path.join(dir, 'lower')])).result as Result;
    expect(counts(r.methods['draft:amount']!)).toEqual(counts(lower.methods['amount']!));

    const svg = readFileSync(path.join(out, 'pr.svg'), 'utf8');
    for (const name of ['live', 'draft', 'draft:terminal-burst']) expect(svg).toContain(`class="curve ${name}"`);
    expect(readFileSync(path.join(out, 'pr.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);

  it('takes one rule and --live, prints the tables with what the draft adds and loses', async () => {
    const live = path.join(dir, 'live.json');
    writeFileSync(live, JSON.stringify({ rules: [{ ...AMOUNT_5000, version: 1 }] }));
    const one = path.join(dir, 'one.json');
    writeFileSync(one, JSON.stringify({ ...AMOUNT_5000, version: 3, limit: { by: 'currency', limits: { XAF: 50_000 } } }));
    const run = vigie(['rules', 'test', one, '--on', bank, '--live', live, '--out', path.join(dir, 'out2')]);
    expect(await run.exit, run.output()).toBe(0);
    const output = run.output();
    expect(output).toMatch(/^\| live \| /m);
    expect(output).toMatch(/^\| draft:amount \| /m);
    expect(output).not.toMatch(/^\| live:zscore /m);
    // a higher limit: the draft adds nothing and loses frauds and false alarms
    expect(output).toMatch(/^\| flagged by the draft only \(added\) \| 0 \| - \| 0 \|$/m);
    const lost = /^\| flagged by the live set only \(lost\) \| (\d+) \| .* \| (\d+) \|$/m.exec(output);
    expect(lost, output).not.toBeNull();
    expect(Number(lost![1])).toBeGreaterThan(0);
    expect(Number(lost![2])).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a draft that is not a rule, or that would be refused live, with the reason', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ ...AMOUNT_5000, value: { aggregate: 'count', window: '10 minutes' } }] }));
    const run = vigie(['rules', 'test', bad, '--on', bank]);
    expect(await run.exit).not.toBe(0);
    expect(run.output()).toContain(`${bad}: rules.0.value`);
    const old = path.join(dir, 'old.json');
    writeFileSync(old, JSON.stringify({ ...AMOUNT_5000, version: 1 }));
    const refused = vigie(['rules', 'test', old, '--on', bank]);
    expect(await refused.exit).toBe(2);
    expect(refused.output()).toContain("the draft's rule amount would be refused: version 1 is already in force with another definition");
  }, 60_000);
});
