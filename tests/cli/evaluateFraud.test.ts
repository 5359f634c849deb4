/**
 * `vigie evaluate fraud` end to end: on a small bank CSV written here, with frauds crafted so that
 * each rule's catch is known (amounts above the 10 000 XAF limit, a card-testing burst of seven
 * in seven minutes of which the frequency rule's `> 5 in 10 min` flags the last two, a takeover
 * 700 km away a minute after a transaction at home), the figures are those worked out below;
 * `--json` is one object and nothing else on stdout; the picture has a curve per method. On
 * PaySim's sample (../shared), the rule set's counts are those of `vigie replay paysim`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BANK_COLUMNS } from '../../src/adapters/labelledBank.ts';
import { fromPaysimCsv } from '../../src/adapters/paysim.ts';
import { evaluateRules } from '../../src/evaluation/evaluateRules.ts';
import { judgeRules } from '../../src/operators/rules/index.ts';
import { killAll, vigie } from '../helpers/processes.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigie-evaluate-fraud-'));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const START = Date.UTC(2026, 0, 1) / 1000;
const DOUALA = [4.05, 9.77] as const;
const GAROUA = [9.3, 13.4] as const;
interface Row { second: number; account: number; amount: number; place: readonly [number, number]; kind?: string }

/** Three days of 40 accounts paying 2 000-2 500 XAF every two hours at Douala, and the frauds. */
function bank(): Row[] {
  const rows: Row[] = [];
  for (let day = 0; day < 3; day++) {
    for (let account = 0; account < 40; account++) {
      for (let n = 0; n < 12; n++) rows.push({ second: day * 86_400 + n * 7_200 + account * 60, account, amount: 2_000 + ((account * 131 + n * 17) % 500), place: DOUALA });
    }
  }
  for (let i = 0; i < 6; i++) rows.push({ second: (i % 3) * 86_400 + 3_600 + i * 61, account: i * 5, amount: 25_000, place: DOUALA, kind: 'amount-above-limit' });
  for (let i = 0; i < 7; i++) rows.push({ second: 86_400 + 36_000 + i * 60, account: 900, amount: 100 + i, place: DOUALA, kind: 'card-testing' });
  // account 1 paid at Douala at 2 × 7 200 + 60 on day 3: a minute later, Garoua
  rows.push({ second: 2 * 86_400 + 2 * 7_200 + 60 + 60, account: 1, amount: 3_000, place: GAROUA, kind: 'account-takeover' });
  return rows.sort((a, b) => a.second - b.second);
}

function writeBank(rows: readonly Row[]): string {
  const file = path.join(dir, 'bank.csv');
  const lines = rows.map((r, id) => {
    const iso = new Date((START + r.second) * 1000).toISOString().replace('.000Z', 'Z');
    return [id, iso, `C${String(r.account).padStart(7, '0')}`, 'T0000001', r.amount, 'XAF', 'card', r.place === DOUALA ? 'Douala' : 'Garoua', r.place[0], r.place[1], r.kind ? 1 : 0, r.kind ?? ''].join(',');
  });
  writeFileSync(file, `${BANK_COLUMNS.join(',')}\n${lines.join('\n')}\n`);
  return file;
}

interface Figures { tp: number; fp: number; fn: number; tn: number; averagePrecision: number; recallByKind: Record<string, number>; cardPrecisionAt100: number; cardPrecisionAt100PerDay: { day: string; precision: number }[] }
const METHODS = ['amount', 'drain', 'frequency', 'location', 'zscore', 'set'];

describe('vigie evaluate fraud', () => {
  const rows = bank();
  const file = writeBank(rows);

  it('prints each rule\'s and the set\'s figures as one JSON object, and draws their curves', async () => {
    const out = path.join(dir, 'out');
    const run = vigie(['evaluate', 'fraud', file, '--json', '--out', out]);
    let stdout = '';
    run.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    expect(await run.exit, run.output()).toBe(0);
    const result = JSON.parse(stdout) as { file: string; rows: number; frauds: number; methods: Record<string, Figures> };
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(result).toMatchObject({ file, rows: rows.length, frauds: 14 });
    expect(Object.keys(result.methods)).toEqual(METHODS);
    const { amount, frequency, location, set } = result.methods as Record<string, Figures>;
    expect(amount).toMatchObject({ tp: 6, fp: 0, fn: 8, recallByKind: { 'amount-above-limit': 1, 'card-testing': 0, 'account-takeover': 0 } });
    // the six frauds (score 2.5) first, at precision 1; then everything at score 0
    expect(amount!.averagePrecision).toBeCloseTo((6 / 14) * 1 + (8 / 14) * (14 / rows.length), 10);
    expect(frequency).toMatchObject({ tp: 2, fp: 0, recallByKind: { 'card-testing': 2 / 7, 'amount-above-limit': 0 } });
    expect(location).toMatchObject({ tp: 1, fp: 0, recallByKind: { 'account-takeover': 1 } });
    expect(set!.recallByKind).toEqual({ 'amount-above-limit': 1, 'card-testing': 2 / 7, 'account-takeover': 1 });
    // 41 cards or fewer a day, all within the top 100: each day, its compromised cards not caught before, / 100
    const expected = [0, 1, 2].map((day) => {
      const caughtBefore = new Set(rows.filter((r) => r.kind && r.second < day * 86_400).map((r) => r.account));
      return new Set(rows.filter((r) => r.kind && Math.floor(r.second / 86_400) === day && !caughtBefore.has(r.account)).map((r) => r.account)).size / 100;
    });
    for (const name of METHODS) {
      expect(result.methods[name]!.cardPrecisionAt100PerDay.map((d) => d.precision), name).toEqual(expected);
      expect(result.methods[name]!.cardPrecisionAt100).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 12);
    }
    const svg = readFileSync(path.join(out, 'pr.svg'), 'utf8');
    for (const name of METHODS) expect(svg).toContain(`class="curve ${name}"`);
    const png = readFileSync(path.join(out, 'pr.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 640]);
  }, 60_000);

  it('prints the tables, honours --rules, and refuses a file in neither format', async () => {
    const run = vigie(['evaluate', 'fraud', file, '--rules', 'amount,frequency', '--out', path.join(dir, 'out2')]);
    expect(await run.exit, run.output()).toBe(0);
    const output = run.output();
    expect(output).toContain('| method | precision | recall | F1 | average precision | card precision@100 | TP | FP | FN | TN |');
    expect(output).toMatch(/^\| amount \| 1\.0000 \| 0\.4286 \| /m);
    expect(output).toMatch(/^\| set \| 1\.0000 \| 0\.5714 \| /m);
    expect(output).not.toMatch(/^\| zscore /m);
    expect(output).toContain('| card-testing | 7 | 0.0000 | 0.2857 | 0.2857 |');
    const other = path.join(dir, 'other.csv');
    writeFileSync(other, 'a,b\n1,2\n');
    const refused = vigie(['evaluate', 'fraud', other]);
    expect(await refused.exit).not.toBe(0);
    expect(refused.output()).toContain(`${other}:1: not a labelled CSV vigie reads`);
  }, 60_000);
});

const sample = new URL('../../../shared/data/paysim/paysim_head_44598.csv', import.meta.url).pathname;

describe.skipIf(!existsSync(sample))('vigie evaluate fraud on PaySim', () => {
  it("gives the rule set the counts `vigie replay paysim` gives vigie's default rules", async () => {
    const run = vigie(['evaluate', 'fraud', sample, '--json', '--out', path.join(dir, 'paysim')]);
    let stdout = '';
    run.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    expect(await run.exit, run.output()).toBe(0);
    const result = JSON.parse(stdout) as { rows: number; frauds: number; methods: Record<string, Figures> };
    const replayed = await evaluateRules(fromPaysimCsv(sample), judgeRules());
    const { tp, fp, fn, tn } = result.methods['set']!;
    expect({ tp, fp, fn, tn }).toEqual({ tp: replayed.tp, fp: replayed.fp, fn: replayed.fn, tn: replayed.tn });
    expect(result).toMatchObject({ rows: 44_598, frauds: 94 });
    expect(Object.keys(result.methods['set']!.recallByKind).sort()).toEqual(['CASH_OUT', 'TRANSFER']);
  }, 240_000);
});
