/**
 * The pickle reader reads back what vigie's encoder writes (exactly: ints stay ints), what a
 * crash leaves after the STOP (ignored, as pickle.load does), and what Python's pickle.dump
 * writes with its memo and framing opcodes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePickleList } from '../../src/adapters/pickle/decode.ts';
import { EMPTY_LOG, type PyTuple, encodeBatch, pyInt } from '../../src/adapters/pickle/encode.ts';
import { openPickleLog } from '../../src/adapters/pickle/pickleLog.ts';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tuples: PyTuple[] = [
  ['humidite!51.2', 1700000000.25],
  [51.2, 1700000000.25, pyInt(-2)],
  [-1.5, 0, pyInt(1)],
  ['é!😀', -0, pyInt(2n ** 70n)],
  [pyInt(-(2n ** 40n)), true, false, null],
  [],
  ['a'],
];

describe('decodePickleList', () => {
  it("reads back vigie's encoder exactly", () => {
    const bytes = Buffer.concat([EMPTY_LOG.subarray(0, -1), Buffer.from([0x28]), encodeBatch(tuples)]);
    expect(decodePickleList(bytes)).toEqual(tuples);
  });

  it('reads a pickle log appended in batches, and ignores a torn append after the STOP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-decode-'));
    const log = await openPickleLog(join(dir, 'l.pkl'));
    await log.append(tuples.slice(0, 3));
    await log.append(tuples.slice(3));
    await log.close();
    const bytes = readFileSync(join(dir, 'l.pkl'));
    expect(decodePickleList(bytes)).toEqual(tuples);
    const torn = Buffer.concat([bytes, encodeBatch([['x', 1]]).subarray(0, 7)]);
    expect(decodePickleList(torn)).toEqual(tuples);
  });

  it('reports progress per item and fails with PICKLE_CORRUPT on a truncated file', () => {
    const bytes = Buffer.concat([Buffer.from([0x80, 2, 0x5d, 0x28]), encodeBatch(tuples)]);
    const seen: number[] = [];
    decodePickleList(bytes, { onItem: (n) => seen.push(n) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(() => decodePickleList(bytes.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'PICKLE_CORRUPT' }));
    expect(() => decodePickleList(Buffer.from([0x80, 2, 0x7d, 0x2e]))).toThrow(/opcode 0x7d/);
  });

  it.skipIf(!hasPython).each([2, 4, 5])("reads python3's pickle.dump, protocol %i", (protocol) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-decode-'));
    const path = join(dir, 'py.pkl');
    // The same string object twice makes Python use BINGET; 1500 items make two APPENDS batches.
    const script = `
import pickle, sys
s = 'humidite!51.2'
data = [(s, 1700000000.25), (s, 1.5), (51.2, 1700000000.25, -2), (1.0, 2.0, 1), (3.0, 4.0, 300), (5.0, 6.0, 70000), (7.0, 8.0, 2**70), (True, False, None)]
data += [('t!%d' % i, float(i)) for i in range(1500)]
pickle.dump(data, open(sys.argv[1], 'wb'), protocol=${protocol})
`;
    execFileSync('python3', ['-c', script, path]);
    const got = decodePickleList(readFileSync(path));
    expect(got.slice(0, 8)).toEqual([
      ['humidite!51.2', 1700000000.25],
      ['humidite!51.2', 1.5],
      [51.2, 1700000000.25, pyInt(-2)],
      [1, 2, pyInt(1)],
      [3, 4, pyInt(300)],
      [5, 6, pyInt(70000)],
      [7, 8, pyInt(2n ** 70n)],
      [true, false, null],
    ]);
    expect(got).toHaveLength(1508);
    expect(got[1507]).toEqual(['t!1499', 1499]);
  });
});
