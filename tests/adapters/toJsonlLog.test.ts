import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { openJsonlLog, toJsonlLog } from '../../src/adapters/toJsonlLog.ts';

let dir = '';
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('toJsonlLog', () => {
  it('appends every item as one JSON line, in batches, and reports each batch', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-jsonl-'));
    const path = join(dir, 'sub', 'detections.jsonl');
    const items = Array.from({ length: 10 }, (_, i) => ({ i, topic: 'humidité', value: i / 3 }));
    const log = await openJsonlLog(path);
    const reports = await lastValueFrom(from(items).pipe(toJsonlLog(log, { batch: { size: 4, lingerMs: 10 } }), toArray()));
    await log.close();
    expect(reports.map((r) => r.items.length)).toEqual([4, 4, 2]);
    expect(reports.every((r) => r.sink === 'jsonl:detections.jsonl')).toBe(true);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(items);
  });

  it('appends to an existing log instead of replacing it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigie-jsonl-'));
    const path = join(dir, 'log.jsonl');
    for (const n of [1, 2]) {
      const log = await openJsonlLog(path);
      await lastValueFrom(from([{ n }]).pipe(toJsonlLog(log)));
      await log.close();
    }
    expect(await readFile(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });
});
