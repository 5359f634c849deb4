/**
 * Issue 19: no single record, however malformed, may stop a partition. Transactions generated from
 * their grammar and mutated (fuzz/arbitraries/) go through the real transaction flow in process:
 * the stream never errors, each record is acknowledged once and ends as exactly one judgement or
 * one dead letter with its exact bytes and a reason naming what is wrong, and a valid XAF
 * transaction over 10 000 is a suspicious row. About 2 000 records at a fixed seed; FUZZ_SEED
 * replays another, and a failure prints the smallest record found, its seed and its path
 * (FUZZ_SEED=s FUZZ_PATH=p replays it at once).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { report } from '../../fuzz/accounting.ts';
import type { FuzzCase } from '../../fuzz/arbitraries/fuzzCase.ts';
import { inSequence } from '../../fuzz/arbitraries/accounts.ts';
import { transactionCase } from '../../fuzz/arbitraries/transactions.ts';
import { runFlow } from '../../fuzz/inProcess.ts';
import { deadLettersTable, suspiciousTransactionsTable } from '../../src/adapters/postgres/tables.ts';
import { toPostgres } from '../../src/adapters/postgres/toPostgres.ts';
import { freshDatabase } from '../helpers/database.ts';

const seed = Number(process.env['FUZZ_SEED'] ?? 19);
/** fast-check's replay path of a failure (printed beside its seed): straight to the shrunk case. */
const path = process.env['FUZZ_PATH'];

/** The property over a batch of records: what is wrong, in words, or nothing. */
async function batchProblems(cases: readonly FuzzCase[]): Promise<string[]> {
  const run = await runFlow(cases);
  const found = report(cases, run.outcomes);
  if (run.error !== undefined) found.unshift(`the stream errored: ${String(run.error)}`);
  run.acks.forEach((n, offset) => n !== 1 && found.push(`offset ${offset}: acknowledged ${n} times`));
  return found;
}

describe('the transaction flow, fuzzed in process', () => {
  it('ends every generated record as one judgement or one dead letter with its bytes, and never errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(transactionCase, { minLength: 1, maxLength: 40, size: 'max' }).map(inSequence), async (cases) => {
        const found = await batchProblems(cases);
        if (found.length > 0) throw new Error(found.join('\n'));
      }),
      { seed, numRuns: 100, ...(path && { path }) },
    );
  }, 120_000);
});

describe('the transaction flow, fuzzed in process, writing to PostgreSQL', () => {
  it('ends every generated record as one judgement or one dead letter row with its exact bytes in raw_bytes', async () => {
    const db = await freshDatabase();
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(transactionCase, { minLength: 1, maxLength: 20, size: 'max' }).map(inSequence), async (cases) => {
          // a source of its own per run: the tables keep every run's rows
          const source = `fuzz-${run++}`;
          const result = await runFlow(cases, source, {
            sinks: { suspicious: [toPostgres(db.pool, suspiciousTransactionsTable)], deadLetters: [toPostgres(db.pool, deadLettersTable)] },
            read: async () => ({
              rows: (await db.pool.query('SELECT source_offset::int AS offset, revision FROM suspicious_transactions WHERE source = $1', [source])).rows,
              dead: (await db.pool.query('SELECT source_offset::int AS offset, stage, reason, raw_bytes AS bytes FROM dead_letters WHERE source = $1', [source])).rows,
            }),
          });
          const found = report(cases, result.outcomes);
          if (result.error !== undefined) found.unshift(`the stream errored: ${String(result.error)}`);
          if (found.length > 0) throw new Error(found.join('\n'));
        }),
        { seed, numRuns: 15, ...(path && { path }) },
      );
    } finally {
      await db.drop();
    }
  }, 120_000);
});
