/**
 * The `fuzz` fault: a batch of generated malformed transactions (fuzz/arbitraries/, only those the
 * generator knows must be dead letters) produced by kcat into the chaos run's transaction topic,
 * each marked `chaos-kind: fuzz` so that the audit expects exactly one dead letter for it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { transactionCase } from '../fuzz/arbitraries/transactions.ts';
import type { Random } from '../src/random.ts';
import { KIND_HEADER } from './producers.ts';

const run = promisify(execFile);
/** Generated records per fault: enough kinds to matter, few enough not to slow the run. */
const BATCH = 40;

/** Produces one batch, each record to a partition drawn from `random`; says the seed it drew from. */
export async function produceFuzz(brokers: string[], topic: string, partitions: number, dir: string, n: number, random: Random): Promise<number> {
  const seed = random.int(0, 2 ** 31 - 1);
  // kcat sends no empty value: those are left to npm run fuzz, which sends them by kafkajs
  const cases = fc.sample(transactionCase.filter((c) => c.expect === 'invalid' && c.bytes.length > 0), { seed, numRuns: BATCH });
  const byPartition = new Map<number, string[]>();
  for (const [i, c] of cases.entries()) {
    const file = path.join(dir, `fuzz-${n}-${i}`);
    await writeFile(file, c.bytes);
    const p = random.int(0, partitions - 1);
    byPartition.set(p, [...(byPartition.get(p) ?? []), file]);
  }
  for (const [p, files] of byPartition) {
    await run('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', String(p), '-H', `${KIND_HEADER}=fuzz`, '-X', 'message.max.bytes=2000000', ...files]);
  }
  return seed;
}
