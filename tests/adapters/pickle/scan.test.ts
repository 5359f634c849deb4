/**
 * The scanner reads a log in chunks; an opcode or a string may straddle two of them. Every chunk
 * size, down to the smallest, must find what one read of the whole file finds.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EMPTY_LOG, encodeBatch, pyInt } from '../../../src/adapters/pickle/encode.ts';
import { scanList, scanTail } from '../../../src/adapters/pickle/scan.ts';
import { record } from './fixtures/batches.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigie-pickle-scan-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('finds the same STOP, records and tail whatever the chunk size', async () => {
  const batches = [
    [record(0), ['a long string '.repeat(20), 1.5, pyInt(2n ** 90n)], ['x', 'y', 'z', 'w', null, true]],
    [record(1)],
    Array.from({ length: 9 }, (_, k) => record(k + 2)),
  ];
  // The log as appends build it: each batch's bytes replace the STOP, from its MARK.
  let log: Buffer = EMPTY_LOG;
  for (const b of batches) log = Buffer.concat([log.subarray(0, -1), Buffer.from('('), encodeBatch(b)]);
  const tail = encodeBatch([record(99), record(100)]).subarray(0, -5); // an append torn in its last record
  const path = join(dir, 'log.pkl');
  await writeFile(path, Buffer.concat([log, tail]));
  const size = log.length + tail.length;
  const file = await open(path, 'r');
  try {
    const whole = await scanList(file, size, size);
    expect(whole).toEqual({ kind: 'stop', at: log.length - 1, records: 13 });
    for (let chunk = 1; chunk <= 64; chunk++) {
      expect(await scanList(file, size, chunk)).toEqual(whole);
      expect(await scanTail(file, size, log.length - 1, chunk)).toEqual({ kind: 'eof' });
    }
  } finally {
    await file.close();
  }
});
