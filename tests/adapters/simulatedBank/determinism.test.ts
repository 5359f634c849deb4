/**
 * The same seed and options give the same bytes; another seed gives others. Through the library
 * (the CSV of a reduced bank in memory) and through the command (two processes, two files).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBankCsv } from '../../../src/adapters/simulatedBank/bankCsv.ts';
import { type BankOptions } from '../../../src/adapters/simulatedBank/bankRun.ts';
import { openBank } from '../../../src/adapters/simulatedBank/simulateBank.ts';
import { killAll, vigie } from '../../helpers/processes.ts';

afterAll(killAll);

async function csvSha256(options: BankOptions): Promise<string> {
  const out = new PassThrough();
  const hash = createHash('sha256');
  out.on('data', (chunk: Buffer) => hash.update(chunk));
  await writeBankCsv(openBank(options), out);
  return hash.digest('hex');
}

describe('the simulated bank is deterministic', () => {
  for (const profile of ['handbook', 'cameroon'] as const) {
    it(`${profile}: same seed, same sha256; another seed, another`, async () => {
      const options = { profile, customers: 400, terminals: 800, days: 20 };
      const first = await csvSha256({ ...options, seed: 7 });
      expect(await csvSha256({ ...options, seed: 7 })).toBe(first);
      expect(await csvSha256({ ...options, seed: 8 })).not.toBe(first);
    });
  }

  it('vigie simulate bank writes the same file twice for a seed, another for another seed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigie-bank-'));
    try {
      const run = async (seed: number, name: string): Promise<string> => {
        const file = path.join(dir, name);
        const p = vigie(['simulate', 'bank', '--profile', 'handbook', '--customers', '300', '--terminals', '600', '--days', '10', '--seed', String(seed), '--out', file]);
        expect(await p.exit, p.output()).toBe(0);
        expect(p.output()).toMatch(/simulated bank \(handbook, seed \d+, 300 customers, 600 terminals, 10 days\): \d+ transactions/);
        return createHash('sha256').update(await readFile(file)).digest('hex');
      };
      const a = await run(3, 'a.csv');
      expect(await run(3, 'b.csv')).toBe(a);
      expect(await run(4, 'c.csv')).not.toBe(a);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
