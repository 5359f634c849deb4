/**
 * The domain of vigie: what flows through its streams.
 *
 * Every record that enters a flow carries a {@link SourceRef}: where it came from. It is what
 * sinks use as a unique key (so a replay writes nothing twice) and what a source uses to
 * acknowledge it. In-process simulators number their records like a single Kafka partition.
 */

/** Where a record came from: a Kafka topic-partition-offset, or a simulator run and sequence number. */
export interface SourceRef {
  readonly source: string;
  readonly partition: number;
  readonly offset: number;
}

/** A raw line as a device printed it (without `\r\n`), stamped with its arrival time (epoch ms). */
export interface TimedLine {
  readonly line: string;
  readonly time: number;
  readonly ref: SourceRef;
  /** The line's exact bytes, when they are not UTF-8 (`line` then shows U+FFFD): it is a dead letter keeping them. */
  readonly bytes?: Uint8Array;
}

/**
 * A sensor reading: the value of one topic (`humidite`, `temperature`, ...) at a time (epoch ms).
 * Its series, which windows are kept per, is its topic, its source partition and its key.
 */
export interface Reading {
  readonly topic: string;
  readonly value: number;
  readonly time: number;
  readonly ref: SourceRef;
  /**
   * The Kafka record's key, its bytes read as latin1 (one character per byte, so that any key,
   * text or not, is exact); absent when the record had none, and for serial lines.
   */
  readonly key?: string;
}

/** The prototype's bank transaction, as its producer sends it to the topic `transaction`. */
export interface Transaction {
  /** The client, 1000-9999 in the prototype. */
  readonly id: number;
  /** 10000-99999 in the prototype: it repeats, so it is never a key. */
  readonly transaction_id: number;
  readonly amount: number;
  /** ISO 4217 code; `XAF` in the prototype. */
  readonly currency: string;
  /** As sent: the prototype's `YYYY-MM-DD HH:MM:SS` (local time, read as UTC) or ISO 8601; see src/timestamps.ts. */
  readonly timestamp: string;
  /** The account debited; when absent, rules key on the client `id`. */
  readonly account?: string;
  /** The terminal (card reader, ATM, mobile-money agent or merchant) it was made at. */
  readonly terminal?: string;
  /** Where it was made: coordinates, an ISO 3166 alpha-2 country, or both. */
  readonly location?: { readonly lat?: number; readonly lon?: number; readonly country?: string };
  /** e.g. `mobile`, `atm`, `branch`. */
  readonly channel?: string;
  /** e.g. `TRANSFER`, `CASH_OUT`, `PAYMENT`, `DEBIT`, `CASH_IN`. */
  readonly type?: string;
  /** The available balance before the transaction, when the source knows it. */
  readonly balanceBefore?: number;
  /**
   * Set on a label event, not a transaction: the transaction `transaction_id` of this account (and
   * terminal) was labelled so, known at `timestamp`. Merged into the stream of transactions in event
   * time, only the rules that read labels (`fraudLabels`) step on it (src/rules/labels.ts).
   */
  readonly label?: LabelKind;
}

/** What a label says of a transaction: confirmed fraud, a chargeback, an analyst's verdict. */
export type LabelKind = 'fraud' | 'chargeback' | 'verdict-fraud' | 'verdict-genuine';

/** A transaction together with where it came from. */
export interface TransactionRecord {
  readonly transaction: Transaction;
  readonly ref: SourceRef;
}

/**
 * A transaction as the fraud flow stores it (`detect transactions --store-transactions`): its JSON
 * text as the topic gave it, where it came from, and what training joins labels and orders on.
 */
export interface StoredTransaction {
  readonly ref: SourceRef;
  /** The record's value as it came (UTF-8 JSON that parsed as a transaction). */
  readonly json: string;
  /** Its event time, epoch ms (the rules' reading of its timestamp). */
  readonly eventTime: number;
  /** The account the rules key it by (its `account`, else its client `id`): labels name it. */
  readonly account: string;
  readonly transactionId: number;
  /** When it was received (epoch ms). */
  readonly time: number;
}

/** A transaction that one or more rules found suspicious. */
export interface SuspiciousTransaction {
  readonly transaction: Transaction;
  readonly ref: SourceRef;
  /** Why, one short code per rule that fired, e.g. `amount>10000XAF`. */
  readonly reasons: readonly string[];
  /** How suspicious, >= 0; for the amount rule, amount / limit. */
  readonly score: number;
  /**
   * Absent for the decision on arrival; 1, 2, ... when a transaction that arrived later but came
   * before it in event time changed the decision (no reasons then: cleared).
   */
  readonly revision?: number;
  /** For a revision: the record that caused it; its input is acknowledged once this is written. */
  readonly cause?: SourceRef;
  /** When the rules decided (epoch ms), if the flow stamps it: the row's `detected_at`. */
  readonly decidedAt?: number;
  /** The rules that fired, with their versions, values and limits, when the rules explain (see src/rules/). */
  readonly fired?: readonly FiredRule[];
  /** The learned model's score of it (the one that decides), when a model scores the flow. */
  readonly model?: ModelScore;
  /** A shadow model's score of it: stored beside the current one's, it decides nothing. */
  readonly shadow?: ModelScore;
}

/**
 * What a learned fraud model said of a transaction: its version, the probability of fraud, and
 * (for the model that decides, on a suspicious transaction) the features that pushed the score
 * most, each with its value and its contribution in log-odds (TreeSHAP), largest first.
 */
export interface ModelScore {
  readonly version: string;
  readonly score: number;
  readonly threshold: number;
  readonly top?: readonly { readonly feature: string; readonly value: number | null; readonly contribution: number }[];
}

/**
 * A rule of the rule language (src/rules/) that fired on a transaction: which rule, which
 * version of it, the value it computed (an amount, a count over a window, a speed, ...) and the
 * limit that value crossed. What an alert and a row carry, so that an analyst reads why.
 */
export interface FiredRule {
  readonly id: string;
  readonly version: number;
  readonly value: number;
  readonly limit: number;
  /** The reason a person reads, e.g. `frequency>5/10min`: also among the transaction's `reasons`. */
  readonly reason: string;
  readonly score: number;
}

/** The prototype's states: -2 while the window fills, -1 anomaly, 1 normal. */
export type State = -2 | -1 | 1;
export const INITIALISING = -2 as const;
export const ANOMALY = -1 as const;
export const NORMAL = 1 as const;

/** What a detector said of one reading. */
export interface Detection {
  readonly topic: string;
  readonly value: number;
  readonly time: number;
  readonly state: State;
  /** `dbscan`, `isolation-forest`, ... */
  readonly detector: string;
  /** The detector's anomaly score for the reading (higher is more anomalous); null while initialising. */
  readonly score: number | null;
  /** While initialising: how full the window is, in (0, 1). Otherwise 1. */
  readonly fill: number;
  readonly ref: SourceRef;
}

/** A record that could not be processed: kept with the reason, never dropped silently. */
export interface DeadLetter {
  /** The stage that rejected it, e.g. `parse-arduino-line`. */
  readonly stage: string;
  readonly reason: string;
  /** The raw input as text, as received (or decoded from `bytes`, invalid UTF-8 shown as U+FFFD). */
  readonly raw: string;
  /** The exact bytes received, when the input came as bytes (Kafka); otherwise the UTF-8 of `raw`. */
  readonly bytes?: Uint8Array;
  readonly ref: SourceRef;
  /** A refused revision's: the input that caused it, held until this dead letter is written. */
  readonly cause?: SourceRef;
  /** When it was received (epoch ms). */
  readonly time: number;
}

/** What a sink reports downstream after each durable write: the items it wrote, in order. */
export interface Written<T> {
  /** The sink's name, e.g. `postgres:sensor_detections` or `pickle:detections-dbscan.pkl`. */
  readonly sink: string;
  readonly items: readonly T[];
  /** Items the sink will never take (bad data, not an outage), each with the sink's reason. */
  readonly refused?: readonly Refused<T>[];
}

/** An item a sink refused for its data, e.g. a number out of a column's range. */
export interface Refused<T> {
  readonly item: T;
  /** The sink's own words, e.g. `value "1099511627776" is out of range for type integer (SQLSTATE 22003)`. */
  readonly reason: string;
}

/** Either a value or a dead letter: what operators that can reject input emit. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly dead: DeadLetter };
