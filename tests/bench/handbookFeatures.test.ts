/**
 * The Handbook's features, split and card precision@100 as bench/handbook/baselines.py computes
 * them (`npm run bench -- handbook`), checked on tiny hand-made banks against values worked out by
 * hand: the window edges move the published figures (issue 22), so each edge has a row on it.
 * Runs the script itself in the virtualenv `npm run setup` makes (.vigie/bench/venv-handbook).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINES, HANDBOOK_VENV } from '../../bench/handbook.ts';

const python = path.join(HANDBOOK_VENV, 'bin', 'python');
const HEADER = 'transaction_id,timestamp,account,terminal,amount,currency,channel,city,lat,lon,fraud,kind';
let dir: string;

/** The CSV of `vigie simulate bank`, from [timestamp, account, terminal, amount, fraud] rows. */
function bank(name: string, rows: readonly (readonly [string, string, string, number, 0 | 1])[]): string {
  const file = path.join(dir, name);
  const lines = rows.map(([ts, account, terminal, amount, fraud], i) =>
    [i, ts, account, terminal, amount.toFixed(2), 'EUR', 'card', '', '', '', fraud, fraud ? 'leaked-credentials' : ''].join(','),
  );
  writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
  return file;
}

function python3(args: readonly string[]): string {
  return execFileSync(python, args, { encoding: 'utf8', cwd: path.dirname(BASELINES), stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`npm run setup\` (it makes the virtualenv from bench/handbook/requirements.txt)`);
  dir = mkdtempSync(path.join(tmpdir(), 'vigie-handbook-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the Handbook's features (bench/handbook/baselines.py --features)", () => {
  // 2018-04-01 is a Sunday; C1 buys at T1, C4 around a weekend night, C2, C3, C5, C6 at T2.
  const rows = [
    ['2018-04-02T10:00:00Z', 'C0000001', 'T0000001', 10, 0], // 0
    ['2018-04-02T12:00:00Z', 'C0000002', 'T0000002', 50, 1], // 1: the fraud at T2
    ['2018-04-03T10:00:00Z', 'C0000001', 'T0000001', 20, 0], // 2: row 0 exactly 1 day earlier
    ['2018-04-03T12:00:00Z', 'C0000003', 'T0000002', 30, 0], // 3
    ['2018-04-07T06:59:59Z', 'C0000004', 'T0000003', 5, 0], // 4: Saturday, hour 6
    ['2018-04-08T07:00:01Z', 'C0000004', 'T0000003', 7, 0], // 5: Sunday, hour 7; row 4 1 day + 2 s earlier
    ['2018-04-09T10:00:00Z', 'C0000001', 'T0000001', 60, 0], // 6: row 0 exactly 7 days earlier
    ['2018-04-09T12:00:00Z', 'C0000005', 'T0000002', 40, 0], // 7: row 1 exactly 7 days earlier, row 3 in the delay
    ['2018-04-10T12:00:00Z', 'C0000006', 'T0000002', 25, 0], // 8: row 1 exactly 8 days earlier, row 3 exactly 7
    ['2018-04-10T12:00:01Z', 'C0000006', 'T0000002', 35, 0], // 9: one second later
  ] as const;
  let features: Record<string, number>[];
  beforeAll(() => {
    const out = python3([BASELINES, '--features', bank('features.csv', rows)]);
    features = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
  });
  const pick = (row: number, prefix: string): number[] =>
    [1, 7, 30].flatMap((w) => Object.entries(features[row]!).filter(([k]) => k.startsWith(prefix) && k.endsWith(`_${w}DAY_WINDOW`)).map(([, v]) => v));

  it('has one row per transaction, in the file order, with the 15 features', () => {
    expect(features.map((f) => f['transaction_id'])).toEqual(rows.map((_, i) => i));
    expect(Object.keys(features[0]!).filter((k) => k !== 'transaction_id')).toHaveLength(15);
    expect(features.map((f) => f['TX_AMOUNT'])).toEqual(rows.map((r) => r[3]));
  });

  it('marks the weekend (Saturday, Sunday) and the night (hour ≤ 6), in UTC', () => {
    expect(features.map((f) => f['TX_DURING_WEEKEND'])).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    expect(features.map((f) => f['TX_DURING_NIGHT'])).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });

  it("counts a customer's transactions over (t − w, t], the current one in, one exactly w days earlier out", () => {
    // [count, mean] for w = 1, 7, 30
    expect(pick(0, 'CUSTOMER_ID_')).toEqual([1, 10, 1, 10, 1, 10]);
    expect(pick(2, 'CUSTOMER_ID_')).toEqual([1, 20, 2, 15, 2, 15]);
    expect(pick(6, 'CUSTOMER_ID_')).toEqual([1, 60, 2, 40, 3, 30]);
    expect(pick(5, 'CUSTOMER_ID_')).toEqual([1, 7, 2, 6, 2, 6]);
    expect(pick(9, 'CUSTOMER_ID_')).toEqual([2, 30, 2, 30, 2, 30]);
  });

  it("counts a terminal's transactions and frauds over (t − (7 + w), t − 7], the risk 0 when empty", () => {
    // [count, risk] for w = 1, 7, 30
    expect(pick(1, 'TERMINAL_ID_')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(pick(3, 'TERMINAL_ID_')).toEqual([0, 0, 0, 0, 0, 0]); // row 1, 1 day earlier: still in the delay
    expect(pick(6, 'TERMINAL_ID_')).toEqual([1, 0, 1, 0, 1, 0]); // row 0 exactly 7 days earlier: in
    expect(pick(7, 'TERMINAL_ID_')).toEqual([1, 1, 1, 1, 1, 1]); // row 1 in, row 3 (6 days) in the delay
    expect(pick(8, 'TERMINAL_ID_')).toEqual([1, 0, 2, 0.5, 2, 0.5]); // row 1 exactly 8 days earlier: out of w = 1
    expect(pick(9, 'TERMINAL_ID_')).toEqual([1, 0, 2, 0.5, 2, 0.5]); // rows 7, 8 in the delay
  });

  it('refuses a file whose rows are not in event-time order', () => {
    const file = bank('unordered.csv', [rows[1], rows[0]]);
    expect(() => python3([BASELINES, '--features', file])).toThrow(/not in event-time order/);
  });
});

/** Calls a function of baselines.py with JSON arguments, returns its JSON result. */
function call(code: string): unknown {
  const script = `import json, sys\nsys.path.insert(0, '.')\nimport baselines\n${code}`;
  return JSON.parse(python3(['-c', script]));
}

describe("the Handbook's split and card precision@100", () => {
  it('tests each day without the cards with a fraud in training or in the delay days known by then', () => {
    // train 04-02, delay 1 day (04-03), test 04-04 and 04-05: C2's fraud of 04-03 is known by 04-05 only
    const file = bank('split.csv', [
      ['2018-04-02T10:00:00Z', 'C0000001', 'T0000001', 10, 1], // 0 train, C1's fraud
      ['2018-04-02T11:00:00Z', 'C0000002', 'T0000001', 10, 0], // 1 train
      ['2018-04-03T10:00:00Z', 'C0000002', 'T0000001', 10, 1], // 2 delay, C2's fraud
      ['2018-04-04T10:00:00Z', 'C0000001', 'T0000001', 10, 0], // 3 out: C1 known from training
      ['2018-04-04T11:00:00Z', 'C0000002', 'T0000001', 10, 1], // 4 in: C2's fraud not known yet
      ['2018-04-04T12:00:00Z', 'C0000003', 'T0000001', 10, 0], // 5 in
      ['2018-04-05T10:00:00Z', 'C0000002', 'T0000001', 10, 0], // 6 out: C2 known by now
      ['2018-04-05T11:00:00Z', 'C0000003', 'T0000001', 10, 0], // 7 in
      ['2018-04-06T10:00:00Z', 'C0000003', 'T0000001', 10, 0], // 8 after the test days
    ]);
    const result = call(
      `frame = baselines.read_bank(${JSON.stringify(file)})\n` +
        "train, test, day = baselines.split(frame, baselines.pd.Timestamp('2018-04-02', tz='UTC'), 1, 1, 2)\n" +
        "print(json.dumps([frame.transaction_id[train].tolist(), frame.transaction_id[test].tolist()]))",
    );
    expect(result).toEqual([
      [0, 1],
      [4, 5, 7],
    ]);
    const strict = call(
      `frame = baselines.read_bank(${JSON.stringify(file)})\n` +
        "train, test, day = baselines.split(frame, baselines.pd.Timestamp('2018-04-02', tz='UTC'), 1, 1, 2, whole_gap=True)\n" +
        'print(json.dumps(frame.transaction_id[test].tolist()))',
    );
    expect(strict, '--leave-out-whole-gap: C2 out from the first test day').toEqual([5, 7]);
  });

  it("takes each card's highest score and label per day, drops cards caught earlier, averages the days", () => {
    // k = 2. Day 1: cards A (0.9, fraud), B (0.8 and 0.1, fraud on the 0.1 one), C (0.5): top 2 = A, B, both fraud: 1.
    // Day 2: A (0.99, fraud) dropped (caught on day 1), C (0.7, fraud), D (0.6): top 2 = C, D: 0.5. Mean 0.75.
    const result = call(
      'print(json.dumps(baselines.card_precision_at_k(' +
        "baselines.np.array([1, 1, 1, 1, 2, 2, 2]), baselines.np.array(['A', 'B', 'B', 'C', 'A', 'C', 'D']), " +
        'baselines.np.array([1, 0, 1, 0, 1, 1, 0]), baselines.np.array([0.9, 0.8, 0.1, 0.5, 0.99, 0.7, 0.6]), k=2)))',
    );
    expect(result).toBe(0.75);
  });
});
