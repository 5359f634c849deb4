/**
 * The pickle log is for Python: every check loads the file with a real `python3`. Crash safety
 * is tested twice: by SIGKILLing a real appending process at random moments, and by replaying
 * every state an interrupted append can leave, byte by byte.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_LOG, type PyTuple, encodeBatch, pyInt } from '../../../src/adapters/pickle/encode.ts';
import { openPickleLog } from '../../../src/adapters/pickle/pickleLog.ts';
import { VigieError } from '../../../src/errors.ts';
import { batchAt, batchSize, record } from './fixtures/batches.ts';
import { expectedInPython, loadWithPython, pythonRecords, runPython } from './fixtures/python.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigie-pickle-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function writeLog(path: string, batches: readonly PyTuple[][]): Promise<void> {
  const log = await openPickleLog(path);
  for (const b of batches) await log.append(b);
  await log.close();
}

async function expectCorrupt(path: string, offset?: number): Promise<VigieError> {
  const error = await openPickleLog(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VigieError);
  const e = error as VigieError;
  expect(e.code).toBe('PICKLE_CORRUPT');
  expect(e.where.file).toBe(path);
  expect(e.message).toContain(path);
  if (offset !== undefined) expect(e.where.offset).toBe(offset);
  return e;
}

const ODD: PyTuple[] = [
  ['humidité!45.2', 1_700_000_000.123, pyInt(-1)],
  ['', 0.1 + 0.2, pyInt(-2)],
  ['température 🌡 22,5 °C', 5, pyInt(1)],
  ['x', -0, pyInt(0)],
  ['big ints', 1e-300, pyInt(2 ** 31)],
  ['', -1.7976931348623157e308, pyInt(-(2 ** 31))],
  ['', Number.MIN_VALUE, pyInt(2n ** 100n)],
  ['', Math.PI, pyInt(-(2n ** 70n))],
  ['', Number.MAX_SAFE_INTEGER, pyInt(Number.MIN_SAFE_INTEGER)],
  [Infinity, -Infinity, Number.NaN],
  [true, false, null],
  [],
  ['one'],
  [1, 2],
  ['a', 'b', 'c', 'd'],
  [null, true, 1.5, pyInt(7), 'six', ''],
];

describe('openPickleLog', () => {
  it('creates a log, with its directories, that Python loads as []', async () => {
    const path = join(dir, 'a', 'b', 'log.pkl');
    const log = await openPickleLog(path);
    expect(log.records).toBe(0);
    await log.close();
    expect(await readFile(path)).toEqual(EMPTY_LOG);
    expect(await pythonRecords(path)).toEqual([]);
  });

  it('writes records in batches that Python reads back exactly, with their types', async () => {
    const path = join(dir, 'log.pkl');
    const batches = [ODD.slice(0, 3), ODD.slice(3, 4), ODD.slice(4, 11), ODD.slice(11)];
    const log = await openPickleLog(path);
    for (const b of batches) await log.append(b);
    expect(log.records).toBe(ODD.length);
    await log.close();
    expect(await pythonRecords(path)).toEqual(expectedInPython(ODD));
  });

  it('appends to an existing log after reopening it, and counts its records', async () => {
    const path = join(dir, 'log.pkl');
    const all = Array.from({ length: 30 }, (_, k) => record(k));
    await writeLog(path, [all.slice(0, 10), all.slice(10, 12)]);
    const log = await openPickleLog(path);
    expect(log.records).toBe(12);
    await log.append(all.slice(12, 29));
    await log.append(all.slice(29));
    await log.close();
    expect(await pythonRecords(path)).toEqual(expectedInPython(all));
  });

  it('serialises appends made without waiting, in call order', async () => {
    const path = join(dir, 'log.pkl');
    const all = Array.from({ length: 100 }, (_, k) => record(k));
    const log = await openPickleLog(path);
    const pending = Array.from({ length: 20 }, (_, i) => log.append(all.slice(i * 5, i * 5 + 5)));
    await log.close(); // waits for them
    await Promise.all(pending);
    expect(await pythonRecords(path)).toEqual(expectedInPython(all));
  });

  it('writes only the new batch: earlier bytes are untouched and the growth does not depend on the size', async () => {
    const big = join(dir, 'big.pkl');
    const small = join(dir, 'small.pkl');
    await writeLog(
      big,
      Array.from({ length: 50 }, (_, i) => Array.from({ length: 400 }, (_, j) => record(i * 400 + j))),
    );
    await writeLog(small, []);
    const batch = Array.from({ length: 7 }, (_, k) => record(100_000 + k));
    const before = await readFile(big);
    const smallBefore = (await stat(small)).size;
    await writeLog(big, [batch]);
    await writeLog(small, [batch]);
    const after = await readFile(big);
    const growth = encodeBatch(batch).length;
    expect(after.length).toBe(before.length + growth);
    expect((await stat(small)).size).toBe(smallBefore + growth);
    // Everything before the old STOP is byte for byte the same.
    expect(sha(after.subarray(0, before.length - 1))).toBe(sha(before.subarray(0, before.length - 1)));
    const records = await pythonRecords(big);
    expect(records).toHaveLength(20_007);
    expect(records.slice(-7)).toEqual(expectedInPython(batch));
  });

  it('rejects a value it cannot pickle without writing anything, and goes on', async () => {
    const path = join(dir, 'log.pkl');
    const log = await openPickleLog(path);
    await log.append([record(0)]);
    const before = await readFile(path);
    await expect(log.append([record(1), [undefined as unknown as null]])).rejects.toThrow(TypeError);
    expect(() => pyInt(0.5)).toThrow(RangeError);
    expect(await readFile(path)).toEqual(before);
    await log.append([record(1)]);
    await log.close();
    expect(await pythonRecords(path)).toEqual(expectedInPython([record(0), record(1)]));
  });

  it('refuses appends after close', async () => {
    const log = await openPickleLog(join(dir, 'log.pkl'));
    await log.close();
    await expect(log.append([record(0)])).rejects.toMatchObject({ code: 'SINK_WRITE_FAILED' });
  });

  it('continues a log the prototype wrote with pickle.dump (protocols 2, 4, 5; memo, small ints)', async () => {
    const code = `
import pickle, sys
s = 'humidité!1'
rows = [(s, 1.5, 1), (s, 2.0, -1), ('x', 3.0, 300), ('y', 4.0, 70000), ('z', 5.0, 2**80), ('w', 6.0, True, None)]
for p, path in zip((2, 4, 5), sys.argv[1:]):
    with open(path, 'wb') as f:
        pickle.dump(rows * 700 if p == 5 else rows, f, protocol=p)
with open(sys.argv[4], 'wb') as f:
    pickle.dump([], f, protocol=4)
`;
    const paths = ['p2', 'p4', 'p5', 'empty'].map((n) => join(dir, `${n}.pkl`));
    await runPython(code, ...paths);
    for (const path of paths) {
      const before = await pythonRecords(path);
      const log = await openPickleLog(path);
      expect(log.records).toBe(before.length);
      await log.append([record(0), record(1)]);
      await log.close();
      expect(await pythonRecords(path)).toEqual([...before, ...expectedInPython([record(0), record(1)])]);
    }
  });

  describe('refuses, and leaves unchanged, a file that is not a log', () => {
    const cases: [name: string, bytes: () => Promise<Buffer> | Buffer, offset: number][] = [
      ['a text file', () => Buffer.from('time,value\n1,2\n'), 0],
      ['a pickled dict', () => Buffer.from([0x80, 2, 0x7d, 0x71, 0, 0x2e]), 2],
      ['a protocol 0 pickle', () => Buffer.from('(lp0\n.'), 0],
      ['a list cut before its STOP', () => Buffer.from([0x80, 2, 0x5d, 0x28, 0x4e, 0x85]), 6],
      ['two pickles in a row', () => Buffer.concat([EMPTY_LOG, EMPTY_LOG]), 4],
      ['a list of lists', () => Buffer.from([0x80, 2, 0x5d, 0x28, 0x5d, 0x65, 0x2e]), 4],
    ];
    for (const [name, bytes, offset] of cases) {
      it(name, async () => {
        const path = join(dir, 'foreign.pkl');
        const content = await bytes();
        await writeFile(path, content);
        await expectCorrupt(path, offset);
        expect(await readFile(path)).toEqual(content);
      });
    }
  });

  it('loads and repairs every state an interrupted append can leave', async () => {
    const path = join(dir, 'log.pkl');
    const first = [batchAt(0, 0), batchAt(1, batchSize(0))];
    const committed = first.flat();
    const torn = [ODD[0]!, ODD[9]!, ODD[15]!, ODD[6]!];
    await writeLog(path, first);
    const before = await readFile(path);
    const body = encodeBatch(torn);
    // Killed during write 1: the STOP stands, then any prefix of the body (all of it: killed before write 2).
    const states = Array.from({ length: body.length + 1 }, (_, k) => Buffer.concat([before, body.subarray(0, k)]));
    const paths = states.map((_, k) => join(dir, `torn-${k}.pkl`));
    await Promise.all(states.map((s, k) => writeFile(paths[k]!, s)));
    const loaded = await loadWithPython(...paths);
    expect(loaded.every((l) => l.ok && l.records.length === committed.length)).toBe(true);
    const next = [record(500)];
    for (const p of paths) {
      const log = await openPickleLog(p);
      expect(log.records).toBe(committed.length);
      await log.append(next);
      await log.close();
    }
    const repaired = await loadWithPython(...paths);
    const expected = expectedInPython([...committed, ...next]);
    for (const r of repaired) expect(r).toEqual({ ok: true, records: expected });
    // Nothing of the torn batch is left, even after the STOP, and the log reopens as it is.
    for (const p of paths) {
      expect((await stat(p)).size).toBe(before.length + encodeBatch(next).length);
      const log = await openPickleLog(p);
      expect(log.records).toBe(committed.length + 1);
      await log.close();
    }
    // After write 2 the batch is in.
    await writeLog(path, [torn]);
    expect(await pythonRecords(path)).toEqual(expectedInPython([...committed, ...torn]));
  });

  it('refuses a log cut anywhere else (a truncation vigie never makes) rather than guess', async () => {
    const path = join(dir, 'log.pkl');
    await writeLog(path, [batchAt(0, 0), batchAt(1, batchSize(0)), [ODD[6]!, ODD[15]!]]);
    const full = await readFile(path);
    const copy = join(dir, 'cut.pkl');
    for (let n = 1; n < full.length; n++) {
      await copyFile(path, copy);
      await truncate(copy, n);
      await expectCorrupt(copy);
      expect((await stat(copy)).size).toBe(n);
    }
    // Cut to nothing, it is a new log.
    await truncate(copy, 0);
    const log = await openPickleLog(copy);
    expect(log.records).toBe(0);
    await log.close();
    expect(await pythonRecords(copy)).toEqual([]);
  });

  it('survives SIGKILL at random moments: Python always loads whole batches, in order', async () => {
    const path = join(dir, 'killed.pkl');
    const script = fileURLToPath(new URL('./fixtures/appendLoop.ts', import.meta.url));
    let last = 0;
    for (let round = 0; round < 6; round++) {
      const started = await runUntilKilled(script, path, Math.random() * 40);
      expect(started).toBe(last); // the child continued exactly where the previous one stopped
      const records = await pythonRecords(path);
      expect(records.length).toBeGreaterThanOrEqual(last);
      const all = Array.from({ length: records.length }, (_, k) => record(k));
      expect(records).toEqual(expectedInPython(all));
      let boundary = 0;
      for (let i = 0; boundary < records.length; i++) boundary += batchSize(i);
      expect(boundary).toBe(records.length);
      last = records.length;
    }
    expect(last).toBeGreaterThan(0);
  }, 60_000);
});

/** Starts the appending child, SIGKILLs it `delayMs` after it is ready; resolves with the records it started from. */
function runUntilKilled(script: string, path: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let started = -1;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /^ready (\d+)\n/.exec(out);
      if (m && started < 0) {
        started = Number(m[1]);
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && started >= 0) resolve(started);
      else reject(new Error(`appendLoop exited with ${code ?? signal}: ${err}`));
    });
  });
}
