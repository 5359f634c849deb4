/** The simulated bank: labelled transactions of customers at terminals, with frauds of known kinds. */
export { type BankDay, CHANNELS, type Channel, FRAUD_KINDS, type FraudKind } from './bankDay.ts';
export { BANK_CSV_HEADER, type BankTally, bankCsvRows, writeBankCsv } from './bankCsv.ts';
export { DEFAULT_LABEL_DELAY_MS, type BankMessage, type BankTopics, type FraudLabel, type ProduceBankOptions, bankMessages, produceBank } from './bankKafka.ts';
export { BANK_PROFILES, type BankOptions, type BankProfile, type CheckedBankOptions } from './bankRun.ts';
export { CAMEROON } from './cameroon.ts';
export { CAMEROON_FRAUDS } from './cameroonFrauds.ts';
export { CAMEROON_CITIES } from './cities.ts';
export { HANDBOOK } from './handbook.ts';
export { HANDBOOK_FRAUDS } from './handbookFrauds.ts';
export { type Bank, type NumberedDay, type SimulatedBankTransaction, bankDays, labelledTransactions, openBank, simulatedBank } from './simulateBank.ts';
export type { BankRun, BankSimulation, City, TerminalPlaces } from './simulation.ts';
