/** What a profile of the simulated bank makes: its world, then its days one by one. */
import type { BankDay } from './bankDay.ts';

/** A simulated bank's run: the sizes and the seed it was asked for. */
export interface BankRun {
  readonly seed: number;
  readonly customers: number;
  readonly terminals: number;
  readonly days: number;
  /** The first day, at 00:00 UTC (epoch ms). */
  readonly start: number;
}

/** Where terminals are, when a profile puts them in real places. */
export interface TerminalPlaces {
  readonly cities: readonly City[];
  /** Index in `cities`, per terminal. */
  readonly city: Uint16Array;
  /** Degrees, 4 decimals. */
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  /** ISO 3166 alpha-2. */
  readonly country: string;
}

export interface City {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Inhabitants, rounded: customers and terminals are spread by it. */
  readonly population: number;
}

export interface BankSimulation {
  /** ISO 4217. */
  readonly currency: string;
  /** Decimals of its amounts (2, or 0 for XAF). */
  readonly decimals: number;
  readonly places?: TerminalPlaces;
  /** Day `d`'s transactions, sorted by time; days must be asked for in order from 0. */
  day(d: number): BankDay;
}
