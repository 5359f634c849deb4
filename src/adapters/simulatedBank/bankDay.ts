/**
 * One simulated day of a bank, column by column (typed arrays: a million-customer day is a few
 * tens of megabytes, not a million objects), in event-time order.
 */

/** The kinds of fraud, in the order of the Handbook's scenarios, then the cameroon profile's. */
export const FRAUD_KINDS = ['amount-above-limit', 'compromised-terminal', 'leaked-credentials', 'account-takeover', 'card-testing', 'mule'] as const;
export type FraudKind = (typeof FRAUD_KINDS)[number];
/** A transaction's kind code in {@link BankDay.kind}: 0 when it is not fraud, else 1 + its index in {@link FRAUD_KINDS}. */
export const NOT_FRAUD = 0;
export const kindCode = (kind: FraudKind): number => FRAUD_KINDS.indexOf(kind) + 1;

export const CHANNELS = ['card', 'mobile-money'] as const;
export type Channel = (typeof CHANNELS)[number];

export const DAY_SECONDS = 86_400;

/** A day's transactions, sorted by time (ties in the order they were made). */
export interface BankDay {
  /** 0 for the first day. */
  readonly day: number;
  readonly count: number;
  /** Seconds since the simulation's start. */
  readonly time: Int32Array;
  readonly customer: Int32Array;
  readonly terminal: Int32Array;
  readonly amount: Float64Array;
  /** Index in {@link CHANNELS}. */
  readonly channel: Uint8Array;
  /** {@link NOT_FRAUD}, or the fraud's kind code. */
  readonly kind: Uint8Array;
}

/** Collects a day's transactions in any order, then sorts them by time. */
export class DayBuilder {
  count = 0;
  time = new Int32Array(1024);
  customer = new Int32Array(1024);
  terminal = new Int32Array(1024);
  amount = new Float64Array(1024);
  channel = new Uint8Array(1024);
  kind = new Uint8Array(1024);

  constructor(readonly day: number) {}

  push(time: number, customer: number, terminal: number, amount: number, channel: number, kind = NOT_FRAUD): number {
    if (this.count === this.time.length) this.grow();
    const i = this.count++;
    this.time[i] = time;
    this.customer[i] = customer;
    this.terminal[i] = terminal;
    this.amount[i] = amount;
    this.channel[i] = channel;
    this.kind[i] = kind;
    return i;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const bigger = <A extends Int32Array | Float64Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(n);
      b.set(a);
      return b;
    };
    this.time = bigger(this.time);
    this.customer = bigger(this.customer);
    this.terminal = bigger(this.terminal);
    this.amount = bigger(this.amount);
    this.channel = bigger(this.channel);
    this.kind = bigger(this.kind);
  }

  /** The day sorted by time, stable (a counting sort on the second of the day: linear). */
  sorted(): BankDay {
    const n = this.count;
    const base = this.day * DAY_SECONDS;
    const starts = new Int32Array(DAY_SECONDS + 1);
    for (let i = 0; i < n; i++) {
      const s = this.time[i]! - base;
      if (s < 0 || s >= DAY_SECONDS) throw new RangeError(`a transaction at second ${s} does not belong to day ${this.day}`);
      starts[s + 1]!++;
    }
    for (let s = 0; s < DAY_SECONDS; s++) starts[s + 1]! += starts[s]!;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[starts[this.time[i]! - base]!++] = i;
    const pick = <A extends Int32Array | Float64Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(n);
      for (let j = 0; j < n; j++) b[j] = a[order[j]!]!;
      return b;
    };
    return {
      day: this.day,
      count: n,
      time: pick(this.time),
      customer: pick(this.customer),
      terminal: pick(this.terminal),
      amount: pick(this.amount),
      channel: pick(this.channel),
      kind: pick(this.kind),
    };
  }
}
