/**
 * Issue 19: the real `vigie detect transactions` (default rules) on the suite's broker and
 * database, fed about 300 generated records by kcat, restarted in the middle (SIGKILL or SIGTERM,
 * from the seed): it never exits on data, every record ends as exactly one row or one dead letter
 * with its exact bytes as the generator says, the offsets reach the end, and the same topic read
 * again without a restart gives the same rows and dead letters (fuzz/cliRun.ts).
 * The same for `vigie detect sensors` (one detector: one row per reading, of the number the value
 * spells). FUZZ_SEED replays another seed; `npm run fuzz` runs the same for longer.
 */
import { describe, expect, inject, it } from 'vitest';
import { fuzzCli } from '../../fuzz/cliRun.ts';

const seed = Number(process.env['FUZZ_SEED'] ?? 19);

describe('vigie detect transactions, fuzzed through the CLI', () => {
  it('accounts for every one of 300 generated records, across a restart, without exiting on data', async () => {
    const result = await fuzzCli({ brokers: inject('kafkaBrokers'), serverUrl: inject('databaseUrl'), seed, records: 300 });
    expect(result.problems.join('\n\n'), `seed ${seed}: replay with FUZZ_SEED=${seed}`).toBe('');
    expect(result.committed).toBe(300);
    expect(result.rows + result.deadLetters).toBeGreaterThan(0);
  }, 240_000);
});

describe('vigie detect sensors, fuzzed through the CLI', () => {
  it('makes every one of 300 generated sensor records one detection row of its number or one dead letter with its bytes, across a restart', async () => {
    const result = await fuzzCli({ brokers: inject('kafkaBrokers'), serverUrl: inject('databaseUrl'), seed, records: 300, flow: 'sensors' });
    expect(result.problems.join('\n\n'), `seed ${seed}: replay with FUZZ_SEED=${seed}`).toBe('');
    expect(result.committed).toBe(300);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.deadLetters).toBeGreaterThan(0);
  }, 240_000);
});
