/**
 * The sink end to end: items in, Written reports out, and a file Python reads as the prototype's
 * tuples, with times in float seconds and states as ints.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPickleLog } from '../../../src/adapters/pickle/pickleLog.ts';
import { detectionTuple, readingTuple } from '../../../src/adapters/pickle/tuples.ts';
import { toPickleLog } from '../../../src/adapters/toPickleLog.ts';
import { pythonRecords } from './fixtures/python.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigie-to-pickle-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('toPickleLog', () => {
  it('appends every item in batches and reports each batch once written', async () => {
    const path = join(dir, 'logs', 'detections-dbscan.pkl');
    const items = Array.from({ length: 10 }, (_, i) => ({ value: 40 + i / 3, time: 1_700_000_000_000 + i * 1000, state: i % 4 === 0 ? -1 : 1 }));
    const log = await openPickleLog(path);
    const reports = await lastValueFrom(from(items).pipe(toPickleLog(log, detectionTuple, { batch: { size: 4, lingerMs: 10 } }), toArray()));
    await log.close();
    expect(reports.map((r) => r.items.length)).toEqual([4, 4, 2]);
    expect(reports.every((r) => r.sink === 'pickle:detections-dbscan.pkl')).toBe(true);
    expect(reports.flatMap((r) => r.items)).toEqual(items);
    expect(await pythonRecords(path)).toEqual(
      items.map((d) => [
        ['float', d.value],
        ['float', d.time / 1000],
        ['int', String(d.state)],
      ]),
    );
  });

  it('writes readings as (line, time_s), a float even for a whole second', async () => {
    const path = join(dir, 'reference.pkl');
    const lines = [
      { line: 'humidité!45.2', time: 1_700_000_000_000 },
      { line: 'temperature!22.5', time: 1_700_000_000_250 },
      { line: '', time: 0 },
    ];
    const log = await openPickleLog(path);
    const reports = await lastValueFrom(from(lines).pipe(toPickleLog(log, readingTuple, { name: 'pickle:ref' }), toArray()));
    await log.close();
    expect(reports).toEqual([{ sink: 'pickle:ref', items: lines }]);
    expect(await pythonRecords(path)).toEqual([
      [['str', 'humidité!45.2'], ['float', 1_700_000_000]],
      [['str', 'temperature!22.5'], ['float', 1_700_000_000.25]],
      [['str', ''], ['float', 0]],
    ]);
  });

  it('errors the stream when an item cannot be pickled, after the batches before it', async () => {
    const path = join(dir, 'log.pkl');
    const log = await openPickleLog(path);
    const bad = { value: 1, time: 0, state: 0.5 };
    const ok = { value: 1, time: 0, state: 1 };
    const reports: number[] = [];
    await expect(
      new Promise((resolve, reject) =>
        from([ok, ok, bad])
          .pipe(toPickleLog(log, detectionTuple, { batch: { size: 2, lingerMs: 10 } }))
          .subscribe({ next: (r) => reports.push(r.items.length), error: reject, complete: () => resolve(undefined) }),
      ),
    ).rejects.toThrow(RangeError);
    await log.close();
    expect(reports).toEqual([2]);
    expect(await pythonRecords(path)).toHaveLength(2);
  });
});
