/**
 * The fraud flow's PostgreSQL outputs (suspicious rows, dead letters, and with
 * `--store-transactions` every transaction), staged in memory until the transaction that writes them
 * with their partitions' offsets (see outputTransaction.ts): its durable sinks report each row
 * written as soon as it is staged, so a record is acknowledged once its rows are here and its
 * alert is on Kafka, and the commit of its offset is what writes its rows.
 *
 * Rows are kept per source partition in the order their inputs came (an output's input is its
 * `cause ?? ref`: a revision belongs to the record that caused it), so the rows of the records
 * below a position are a prefix of each queue. The records themselves are kept until their
 * offsets are committed too: a row the table refuses becomes a dead letter of its record's exact bytes.
 *
 * ```
 * staged p0:   a(0) b(2) c(2) d(5)      rows, by their input's offset
 * peek({p0: 3}) → a b c                 the rows of the records below 3
 * release({p0: 3}) → d left             once the transaction committed
 * ```
 */
import { type OperatorFunction, map } from 'rxjs';
import type { TransactionMessage } from '../../operators/parseTransaction.ts';
import type { DeadLetter, SourceRef, StoredTransaction, SuspiciousTransaction, Written } from '../../types.ts';
import type { TopicPartition, TopicPartitionOffset } from '../kafka/offsetTracker.ts';

/** A record as it came, for the dead letter of a row the table refuses. */
export type ReceivedInput = TransactionMessage;

/** The rows of the records below some positions. */
export interface Staged {
  readonly suspicious: SuspiciousTransaction[];
  readonly deadLetters: DeadLetter[];
  /** Every transaction, with `--store-transactions` (none otherwise). */
  readonly transactions: StoredTransaction[];
}

type Row = { readonly ref: SourceRef; readonly cause?: SourceRef };

/** A queue of items in the order of an offset, whose prefix below a position is taken. */
class Queue<T> {
  items: T[] = [];
  head = 0;
  constructor(private readonly offsetOf: (item: T) => number) {}
  push(item: T): void {
    this.items.push(item);
  }
  /** How many items from the head are below `offset`. */
  below(offset: number): number {
    // binary search (the queue is in offset order): a transaction's peek and release ask this
    // five times per partition, which a scan from the head paid per staged item each time
    let [lo, hi] = [this.head, this.items.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offsetOf(this.items[mid]!) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }
  peek(offset: number, into: T[]): void {
    const end = this.head + this.below(offset);
    for (let i = this.head; i < end; i++) into.push(this.items[i]!);
  }
  release(offset: number): void {
    this.head += this.below(offset);
    // drop the passed prefix now and then, so the array holds what is staged only
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  find(offset: number): T | undefined {
    // binary search: the queue is in offset order
    let [lo, hi] = [this.head, this.items.length - 1];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.offsetOf(this.items[mid]!);
      if (at === offset) return this.items[mid];
      if (at < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

interface StagedPartition {
  readonly suspicious: Queue<SuspiciousTransaction>;
  readonly deadLetters: Queue<DeadLetter>;
  readonly transactions: Queue<StoredTransaction>;
  readonly inputs: Queue<ReceivedInput>;
}

const inputOffset = (row: Row): number => (row.cause ?? row.ref).offset;

export class TransactionalOutputs {
  private readonly topics = new Map<string, Map<number, StagedPartition>>();
  private count = 0;

  /**
   * @param owns Whether the partition is this process's to write: rows of a partition fenced or
   *   revoked (still in the flow when it went) are not staged; its next owner writes them.
   */
  constructor(private readonly owns: (topic: string, partition: number) => boolean = () => true) {}

  /** The suspicious transactions' sink: staged, reported written at once. */
  readonly suspicious: OperatorFunction<SuspiciousTransaction, Written<SuspiciousTransaction>> = map((row) => {
    this.stage(row, 'suspicious', row);
    return { sink: 'staged:suspicious_transactions', items: [row] };
  });

  /** The dead letters' sink: staged, reported written at once. */
  readonly deadLetters: OperatorFunction<DeadLetter, Written<DeadLetter>> = map((row) => {
    this.stage(row, 'deadLetters', row);
    return { sink: 'staged:dead_letters', items: [row] };
  });

  /**
   * A transaction to store as it came (`--store-transactions`), staged when it is judged: before
   * its record is acknowledged, so the commit that covers its offset writes it.
   */
  transaction(row: StoredTransaction): void {
    this.stage(row, 'transactions', row);
  }

  /** Rows staged and not yet released. */
  get staged(): number {
    return this.count;
  }

  /** A record arrived: kept until its offset is committed, for a refused row's dead letter. */
  received(input: ReceivedInput): void {
    if (this.owns(input.ref.source, input.ref.partition)) this.partition(input.ref.source, input.ref.partition).inputs.push(input);
  }

  /** The record a row comes from, while it is staged. */
  inputOf(ref: SourceRef): ReceivedInput | undefined {
    return this.topics.get(ref.source)?.get(ref.partition)?.inputs.find(ref.offset);
  }

  /** The rows of the records below `positions`, still staged until {@link release}. */
  peek(positions: readonly TopicPartitionOffset[]): Staged {
    const staged: Staged = { suspicious: [], deadLetters: [], transactions: [] };
    for (const { topic, partition, offset } of positions) {
      const p = this.topics.get(topic)?.get(partition);
      if (p === undefined) continue;
      p.suspicious.peek(offset, staged.suspicious);
      p.deadLetters.peek(offset, staged.deadLetters);
      p.transactions.peek(offset, staged.transactions);
    }
    return staged;
  }

  /** The rows and records below `positions` are committed: they go. */
  release(positions: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of positions) {
      const p = this.topics.get(topic)?.get(partition);
      if (p === undefined) continue;
      this.count -= p.suspicious.below(offset) + p.deadLetters.below(offset) + p.transactions.below(offset);
      p.suspicious.release(offset);
      p.deadLetters.release(offset);
      p.transactions.release(offset);
      p.inputs.release(offset);
    }
  }

  /** The partitions left this process (revoked or fenced): what is staged for them goes, never written here. */
  drop(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) {
      const p = this.topics.get(topic)?.get(partition);
      if (p === undefined) continue;
      for (const queue of [p.suspicious, p.deadLetters, p.transactions]) this.count -= queue.items.length - queue.head;
      this.topics.get(topic)!.delete(partition);
    }
  }

  private stage(row: Row, kind: 'suspicious' | 'deadLetters' | 'transactions', item: SuspiciousTransaction | DeadLetter | StoredTransaction): void {
    const input = row.cause ?? row.ref;
    if (!this.owns(input.source, input.partition)) return;
    (this.partition(input.source, input.partition)[kind] as Queue<typeof item>).push(item);
    this.count++;
  }

  private partition(topic: string, partition: number): StagedPartition {
    let byPartition = this.topics.get(topic);
    if (byPartition === undefined) this.topics.set(topic, (byPartition = new Map()));
    const found = byPartition.get(partition);
    if (found !== undefined) return found;
    const p: StagedPartition = {
      suspicious: new Queue<SuspiciousTransaction>(inputOffset),
      deadLetters: new Queue<DeadLetter>(inputOffset),
      transactions: new Queue<StoredTransaction>(inputOffset),
      inputs: new Queue<ReceivedInput>((i) => i.ref.offset),
    };
    byPartition.set(partition, p);
    return p;
  }
}
