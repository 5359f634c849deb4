/**
 * A simulated bank, day by day: {@link bankDays} gives each day's transactions in event-time
 * order with their labels (never the whole history in memory), numbered 0, 1, 2, … across days;
 * {@link simulatedBank} gives the same as an Observable of labelled vigie transactions. The same
 * options (seed included) give the same transactions on every machine.
 */
import { type Observable, from } from 'rxjs';
import type { Transaction } from '../../types.ts';
import type { LabelledTransaction } from '../paysim.ts';
import { type BankDay, CHANNELS, FRAUD_KINDS, type FraudKind, NOT_FRAUD } from './bankDay.ts';
import { type BankOptions, type BankOptionsText, type CheckedBankOptions, checkBankOptions } from './bankRun.ts';
import { bankId, isoClock } from './clock.ts';
import { cameroonBank } from './cameroon.ts';
import { handbookBank } from './handbook.ts';
import type { BankSimulation } from './simulation.ts';

/** A day with the transaction id of its first transaction. */
export interface NumberedDay extends BankDay {
  readonly firstId: number;
}

/** A simulated bank ready to run: its checked options and its simulation. */
export interface Bank {
  readonly options: CheckedBankOptions;
  readonly simulation: BankSimulation;
}

/**
 * Builds the bank's world (customers, terminals) for these options; throws `CONFIG_INVALID`
 * naming every bad one (each name after `prefix`, e.g. `--` for flags).
 */
export function openBank(options: BankOptionsText = {}, prefix = ''): Bank {
  const checked = checkBankOptions(options, prefix);
  return { options: checked, simulation: checked.profile === 'handbook' ? handbookBank(checked) : cameroonBank(checked) };
}

/** The bank's days in order, each sorted by time, transaction ids running on across days. */
export function* bankDays(bank: Bank): Generator<NumberedDay> {
  let firstId = 0;
  for (let d = 0; d < bank.options.days; d++) {
    const day = bank.simulation.day(d);
    yield { ...day, firstId };
    firstId += day.count;
  }
}

/**
 * A transaction of the simulated bank, in vigie's form, with its label (a {@link LabelledTransaction},
 * as PaySim's, so the same evaluation reads both): its source is `simulated-bank:PROFILE:SEED`,
 * its offset its transaction id.
 */
export interface SimulatedBankTransaction extends LabelledTransaction {
  readonly kind?: FraudKind;
  /** The terminal's city, when the profile places terminals in real places. */
  readonly city?: string;
}

/** The `i`-th transaction of a day, in vigie's form. */
export function labelledTransaction(bank: Bank, day: NumberedDay, i: number, clock = isoClock(bank.options.start)): SimulatedBankTransaction {
  const { simulation } = bank;
  const customer = day.customer[i]!;
  const terminal = day.terminal[i]!;
  const places = simulation.places;
  const transaction: Transaction = {
    id: customer,
    transaction_id: day.firstId + i,
    amount: day.amount[i]!,
    currency: simulation.currency,
    timestamp: clock(day.time[i]!),
    account: bankId('C', customer),
    terminal: bankId('T', terminal),
    channel: CHANNELS[day.channel[i]!]!,
    ...(places && { location: { lat: places.lat[terminal]!, lon: places.lon[terminal]!, country: places.country } }),
  };
  const kind = day.kind[i]!;
  return {
    record: { transaction, ref: { source: `simulated-bank:${bank.options.profile}:${bank.options.seed}`, partition: 0, offset: transaction.transaction_id } },
    fraud: kind !== NOT_FRAUD,
    ...(kind !== NOT_FRAUD && { kind: FRAUD_KINDS[kind - 1]! }),
    ...(places && { city: places.cities[places.city[terminal]!]!.name }),
  };
}

/** Every transaction of the bank, labelled, in event-time order; made a day at a time as they are taken. */
export function* labelledTransactions(options: BankOptions = {}): Generator<SimulatedBankTransaction> {
  const bank = openBank(options);
  const clock = isoClock(bank.options.start);
  for (const day of bankDays(bank)) {
    for (let i = 0; i < day.count; i++) yield labelledTransaction(bank, day, i, clock);
  }
}

/**
 * The simulated bank as an Observable: every transaction, labelled, in event-time order,
 * synchronously (a day is made when the one before it is taken).
 *
 * ```
 * simulatedBank({ profile: 'handbook', days: 1 })
 * output: (abc…|)   a = { record: { transaction: { id: 596, transaction_id: 0, …, terminal: 'T0003156' }, ref }, fraud: false }
 * ```
 *
 * @example
 * simulatedBank({ profile: 'handbook', seed: 2 }).pipe(filter((t) => t.fraud), count())
 */
export function simulatedBank(options: BankOptions = {}): Observable<SimulatedBankTransaction> {
  return from({ [Symbol.iterator]: () => labelledTransactions(options) });
}
