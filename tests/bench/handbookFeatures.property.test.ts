/**
 * bench/handbook/baselines.py's vectorised windows (sorted keys, cumulative sums, searchsorted)
 * against the features' definition written the slow way, row by row, on generated banks: times on
 * a 6-hour grid (so that rows fall exactly w or 7 + w days apart, on the windows' edges) with a
 * second added now and then, same-second rows, a few customers and terminals sharing them.
 * A customer's window holds the rows up to the current one in file order (a later row of the same
 * second is not in it), as a time-based rolling window ending at the row does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINES, HANDBOOK_VENV } from '../../bench/handbook.ts';

const python = path.join(HANDBOOK_VENV, 'bin', 'python');
const DAY = 86_400;
const START = Date.UTC(2018, 3, 1) / 1000;
let dir: string;

interface Row {
  readonly second: number;
  readonly account: number;
  readonly terminal: number;
  readonly cents: number;
  readonly fraud: 0 | 1;
}

const row = fc.record({
  second: fc.tuple(fc.integer({ min: 0, max: 4 * 40 }), fc.constantFrom(0, 0, 0, 1)).map(([quarter, s]) => quarter * 21_600 + s),
  account: fc.integer({ min: 0, max: 2 }),
  terminal: fc.integer({ min: 0, max: 1 }),
  cents: fc.integer({ min: 1, max: 50_000 }),
  fraud: fc.constantFrom<0 | 1>(0, 0, 1),
});
// event-time order, ties in the generated order (sort is stable)
const bank = fc.array(row, { minLength: 15, maxLength: 40 }).map((rows) => [...rows].sort((a, b) => a.second - b.second));

/** The 15 features by their definition (bench/handbook/baselines.py's doc), row by row. */
function expected(rows: readonly Row[]): Record<string, number>[] {
  return rows.map((r, i) => {
    const date = new Date((START + r.second) * 1000);
    const out: Record<string, number> = {
      transaction_id: i,
      TX_AMOUNT: r.cents / 100,
      TX_DURING_WEEKEND: date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 1 : 0,
      TX_DURING_NIGHT: date.getUTCHours() <= 6 ? 1 : 0,
    };
    for (const w of [1, 7, 30]) {
      const mine = rows.slice(0, i + 1).filter((o) => o.account === r.account && o.second > r.second - w * DAY);
      out[`CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`] = mine.length;
      out[`CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`] = mine.reduce((s, o) => s + o.cents / 100, 0) / mine.length;
    }
    for (const w of [1, 7, 30]) {
      const there = rows.filter((o) => o.terminal === r.terminal && o.second > r.second - (7 + w) * DAY && o.second <= r.second - 7 * DAY);
      out[`TERMINAL_ID_NB_TX_${w}DAY_WINDOW`] = there.length;
      out[`TERMINAL_ID_RISK_${w}DAY_WINDOW`] = there.length === 0 ? 0 : there.filter((o) => o.fraud === 1).length / there.length;
    }
    return out;
  });
}

function computed(rows: readonly Row[], run: number): Record<string, number>[] {
  const file = path.join(dir, `bank-${run}.csv`);
  const iso = (second: number): string => new Date((START + second) * 1000).toISOString().replace('.000Z', 'Z');
  const lines = rows.map((r, i) => [i, iso(r.second), `C${String(r.account).padStart(7, '0')}`, `T${String(r.terminal).padStart(7, '0')}`, (r.cents / 100).toFixed(2), 'EUR', 'card', '', '', '', r.fraud, ''].join(','));
  writeFileSync(file, `transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind\n${lines.join('\n')}\n`);
  const out = execFileSync(python, [BASELINES, '--features', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
}

beforeAll(() => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\` (it makes the virtualenv from bench/handbook/requirements.txt)`);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-handbook-property-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the Handbook's features on generated banks", () => {
  it('are the definition, row by row, window edges and same-second rows included', () => {
    let run = 0;
    fc.assert(
      fc.property(bank, (rows) => {
        const got = computed(rows, run++);
        const want = expected(rows);
        expect(got.length).toBe(want.length);
        for (const [i, w] of want.entries()) {
          for (const [name, value] of Object.entries(w)) expect(got[i]![name], `row ${i}, ${name}`).toBeCloseTo(value, 9);
        }
      }),
      { numRuns: 15, seed: 22 },
    );
  }, 180_000);
});
