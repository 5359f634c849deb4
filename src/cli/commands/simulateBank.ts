/**
 * `vigie simulate bank`: a seeded, labelled bank (src/adapters/simulatedBank/), written as the
 * labelled CSV to a file or stdout, a day at a time, with progress on stderr.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { BANK_PROFILES } from '../../adapters/simulatedBank/bankRun.ts';
import { type BankTally, writeBankCsv } from '../../adapters/simulatedBank/bankCsv.ts';
import { type Bank, openBank } from '../../adapters/simulatedBank/simulateBank.ts';
import { VigieError } from '../../errors.ts';
import { fail } from '../fail.ts';
import { progress } from '../progress.ts';

interface BankFlags {
  readonly profile: string;
  readonly seed: string;
  readonly customers?: string;
  readonly terminals?: string;
  readonly days?: string;
  readonly start?: string;
  readonly out?: string;
}

export function registerSimulateBank(simulate: Command): void {
  simulate
    .command('bank')
    .description('simulate a bank\'s labelled transactions (customers, terminals, frauds of known kinds): a CSV to --out')
    .option('--profile <name>', `${BANK_PROFILES.join(' or ')}: the Handbook's simulator and parameters, or Cameroonian cities, XAF, card and mobile money`, 'cameroon')
    .option('--seed <n>', 'the seed: the same seed and options give the same bytes', '1')
    .option('--customers <n>', "how many customers (default: the profile's, cameroon 100000, handbook 5000)")
    .option('--terminals <n>', "how many terminals and mobile-money agents (default: the profile's, cameroon 20000, handbook 10000)")
    .option('--days <n>', "how many days (default: the profile's, cameroon 30, handbook 183)")
    .option('--start <date>', "the first day, YYYY-MM-DD (UTC) (default: the profile's, cameroon 2026-01-01, handbook 2018-04-01)")
    .option('--out <file>', 'the labelled CSV, - for stdout')
    .action(async (flags: BankFlags) => {
      try {
        await simulateBank(flags);
      } catch (error) {
        fail(error);
      }
    });
}

async function simulateBank(flags: BankFlags): Promise<void> {
  const bank = openBank(
    { profile: flags.profile as Bank['options']['profile'], seed: flags.seed, customers: flags.customers, terminals: flags.terminals, days: flags.days, start: flags.start },
    '--',
  );
  if (flags.out === undefined || flags.out === '') throw new VigieError('CONFIG_INVALID', 'simulate bank: give --out FILE.csv (or --out - for stdout)');
  const started = Date.now();
  const bar = progress('simulate bank (days)', { total: bank.options.days, everyMs: 5_000 });
  const out = flags.out === '-' ? process.stdout : createWriteStream(flags.out);
  const tally = await writeBankCsv(bank, out, (day) => bar.update(day.day + 1));
  if (out !== process.stdout) {
    out.end();
    await finished(out);
  }
  bar.finish();
  console.error(summary(bank, tally, Date.now() - started));
}

/** The last line: rows, frauds and their kinds, time. */
export function summary(bank: Bank, tally: BankTally, ms: number): string {
  const { profile, seed, customers, terminals, days } = bank.options;
  const percent = (n: number): string => `${((100 * n) / Math.max(1, tally.rows)).toFixed(3)} %`;
  const kinds = Object.entries(tally.byKind)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return (
    `vigie: simulated bank (${profile}, seed ${seed}, ${customers} customers, ${terminals} terminals, ${days} days): ` +
    `${tally.rows} transactions, ${tally.frauds} frauds (${percent(tally.frauds)}${kinds && `: ${kinds}`}) in ${(ms / 1000).toFixed(1)} s`
  );
}
