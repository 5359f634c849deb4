/**
 * One PostgreSQL transaction per commit of the fraud flow: the rows staged for the records below
 * the positions (suspicious transactions, dead letters), each partition's output offset (fenced),
 * and the rules' state when a checkpoint is due, all or nothing. This is what Kafka's consumer
 * documentation calls storing offsets outside Kafka: a restart reads the offsets from here, so a
 * row is in the table exactly once whatever was committed to Kafka.
 *
 * ```
 * BEGIN
 *   same assignments?          a partition revoked and restored here since the commit was asked
 *                              (a rebalance) → ROLLBACK, nothing written: the next one holds its rows
 *   fence, every partition     UPDATE vigie_output_offsets … WHERE next_offset = <last read/written>,
 *   in one statement           all partitions at once (a partition not returned: another process
 *                              wrote it → ROLLBACK, the partition is lost here)
 *   rows below the positions   suspicious rows, stored transactions (--store-transactions), dead
 *                              letters: copyRows, COPY alone (the unique key as the last guard:
 *                              duplicates counted, logged); a row refused for its data → ROLLBACK, and the whole transaction
 *                              again with copyRows' savepoint, which finds the rows at fault
 *   rows refused for data      dead letters of their records' exact bytes: in the table, and on the
 *                              dead-letter topic before COMMIT
 *   state checkpoint           when due (checkpoints.writeIn)
 * COMMIT
 * ```
 *
 * A failure rolls everything back: rows stay staged and the snapshot's keys go with the next one,
 * so the next commit writes the same rows again (the caller retries; backpressure holds the source).
 */
import type pg from 'pg';
import { VigieError } from '../../errors.ts';
import { inTransaction } from '../../pgTransaction.ts';
import type { PostgresCheckpoints, Snapshot } from '../../state/checkpoints.ts';
import type { DeadLetter, Refused, StoredTransaction, SuspiciousTransaction, Written } from '../../types.ts';
import type { TopicPartition, TopicPartitionOffset } from '../kafka/offsetTracker.ts';
import type { SinkTransaction } from '../kafka/transactionalCommits.ts';
import { type CopyTable, copyRows, deadLettersCopy, suspiciousTransactionsCopy, transactionsCopy } from './copyRows.ts';
import type { OutputOffsets } from './outputOffsets.ts';
import type { ReceivedInput, TransactionalOutputs } from './transactionalOutputs.ts';

export interface OutputTransactionOptions {
  readonly pool: pg.Pool;
  readonly staging: TransactionalOutputs;
  readonly offsets: OutputOffsets;
  readonly checkpoints?: PostgresCheckpoints;
  /** The dead letter of a row the table refused, from its record as it came (when still staged). */
  readonly refusedDeadLetter: (refusal: Refused<SuspiciousTransaction>, input: ReceivedInput | undefined) => DeadLetter;
  /** Sends refused rows' dead letters to the dead-letter topic; awaited before COMMIT. */
  readonly sendDeadLetters?: (dead: readonly DeadLetter[]) => Promise<void>;
  /** Told what each committed transaction wrote, per table (`postgres:<table>`). */
  readonly onWritten?: (written: Written<unknown>) => void;
  /** Told of each failed transaction (the database away, say), and of each committed one. */
  readonly onDown?: (error: unknown) => void;
  readonly onUp?: () => void;
  readonly log: (line: string) => void;
}

/**
 * Errors of the statements themselves, which no retry cures (SQLSTATE classes 42: a missing table
 * or column, 0A: not supported, 3D/3F: no such database or schema); anything else (the database
 * away, a lost connection, a serialization failure, the dead-letter topic away) is retried.
 */
const NOT_RETRIABLE = /^(42|0A|3D|3F)/;

export function retriableCommit(error: unknown): boolean {
  if (error instanceof VigieError) return error.retriable || error.code !== 'SINK_WRITE_FAILED';
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && NOT_RETRIABLE.test(code));
}

export function outputTransaction(options: OutputTransactionOptions): SinkTransaction {
  const { pool, staging, offsets, checkpoints, refusedDeadLetter, sendDeadLetters, onWritten, log } = options;
  let failures = 0;
  const failed = (error: unknown): void => {
    options.onDown?.(error);
    failures++;
    log(`postgres: write failed (${String(error)}), ${failures} in a row: the rows stay staged and the next transaction writes them`);
  };
  return {
    retriable: retriableCommit,
    commit: (positions, snapshot) => {
      // The positions and the rows below them belong to the partitions' assignments of now. A
      // rebalance may revoke a partition and give it back here (restored from PostgreSQL, its
      // rows staged anew) while this transaction waits for its connection: it then writes
      // nothing, or the old assignment's offset would cover rows the new one has not staged yet.
      const assignments = positions.map((p) => offsets.assignment(p.topic, p.partition));
      const moved = (): TopicPartition[] =>
        positions.filter((p, i) => assignments[i] !== undefined && offsets.assignment(p.topic, p.partition) !== assignments[i]).map(({ topic, partition }) => ({ topic, partition }));
      // the rows by COPY without a savepoint first; refused for their data: again, with one
      const attempt = (careful: boolean): Promise<Outcome> =>
        inTransaction<Outcome>(
          pool,
          async (client) => {
            const reassigned = moved();
            if (reassigned.length > 0) {
              if (snapshot) checkpoints?.abandon(snapshot.snapshot);
              log(`postgres: ${reassigned.map((p) => `${p.topic}/${p.partition}`).join(', ')} changed hands while this transaction waited: it is not written, the next one holds the new assignment's rows`);
              return { result: { fenced: [], moved: reassigned }, commit: false };
            }
            const fenced: TopicPartition[] = await offsets.advanceAllIn(client, positions);
            if (fenced.length > 0) {
              if (snapshot) checkpoints?.abandon(snapshot.snapshot);
              for (const p of fenced) {
                const error = fencedError(offsets.group, p as TopicPartitionOffset);
                log(`${error.code}: ${error.message}`);
              }
              return { result: { fenced }, commit: false };
            }
            const staged = staging.peek(positions);
            const copy = <T>(table: CopyTable<T>, rows: T[]) => (careful ? copyRows(client, table, rows) : copyRows(client, table, rows, { savepoint: false }));
            const suspicious = await copy(suspiciousTransactionsCopy, staged.suspicious);
            if (suspicious === undefined) return { result: { fenced: [], again: true }, commit: false };
            const stored = await copy(transactionsCopy, staged.transactions);
            if (stored === undefined) return { result: { fenced: [], again: true }, commit: false };
            const refused = [
              ...suspicious.refused.map((r) => refusedDeadLetter(r, staging.inputOf(r.item.cause ?? r.item.ref))),
              ...stored.refused.map((r) => storedDeadLetter(r, staging.inputOf(r.item.ref))),
            ];
            const dead = await copy(deadLettersCopy, [...staged.deadLetters, ...refused]);
            if (dead === undefined) return { result: { fenced: [], again: true }, commit: false };
            if (dead.refused.length > 0) {
              // a dead letter is the row that must always be taken: a schema changed by hand, say
              const { item, reason } = dead.refused[0]!;
              throw new VigieError('SINK_WRITE_FAILED', `dead_letters refused ${dead.refused.length} rows: ${reason}`, { where: { table: 'dead_letters', source: item.ref.source, partition: item.ref.partition, offset: item.ref.offset } });
            }
            logDuplicates(log, 'suspicious_transactions', suspicious.duplicates);
            logDuplicates(log, 'dead_letters', dead.duplicates);
            logDuplicates(log, 'transactions', stored.duplicates);
            if (snapshot) await checkpoints?.writeIn(client, snapshot.snapshot, snapshot.partitions);
            if (refused.length > 0) await sendDeadLetters?.(refused);
            return { result: { fenced, written: [suspicious.written, dead.written, stored.written] as const }, commit: true };
          },
          (error) => {
            if (snapshot) checkpoints?.abandon(snapshot.snapshot);
            failed(error);
          },
        );
      return attempt(false)
        .then((outcome) => (outcome.again ? attempt(true) : outcome))
        .then(({ fenced, moved: reassigned, written }) => {
          if (written === undefined) return { fenced, ...(reassigned && { moved: reassigned }) };
          // committed; a partition that changed hands during COMMIT keeps its new assignment's
          // fence and staged rows (the new one's next transaction is refused and reads it again)
          const gone = moved();
          const still = gone.length === 0 ? positions : positions.filter((p) => !gone.some((g) => g.topic === p.topic && g.partition === p.partition));
          offsets.committed(still);
          staging.release(still);
          failures = 0;
          options.onUp?.();
          const [suspicious, dead, stored] = written;
          if (suspicious.length > 0) onWritten?.({ sink: 'postgres:suspicious_transactions', items: suspicious });
          if (dead.length > 0) onWritten?.({ sink: 'postgres:dead_letters', items: dead });
          if (stored.length > 0) onWritten?.({ sink: 'postgres:transactions', items: stored });
          return { fenced, ...(gone.length > 0 && { moved: gone, committed: true }) };
        });
    },
  };
}

/** The partitions fenced, or those that changed hands meanwhile, or (neither) the rows written. */
type Outcome = {
  readonly fenced: TopicPartition[];
  readonly moved?: TopicPartition[];
  readonly written?: readonly [SuspiciousTransaction[], DeadLetter[], StoredTransaction[]];
  /** COPY without a savepoint refused a row for its data: rolled back, to be written again with one. */
  readonly again?: true;
};

/** What the log says of a partition whose fence refused this process's transaction. */
export function fencedError(group: string, { topic, partition, offset }: TopicPartitionOffset): VigieError {
  return new VigieError(
    'OUTPUT_FENCED',
    `another process wrote ${topic}/${partition}'s output offset since this one read it: this transaction (up to offset ${offset}) is rolled back, its rows are not written here, and the partition is treated as lost (its state dropped, nothing more read or committed for it) until the group assigns it again, or for a session timeout at most, after which it is read again from the offset PostgreSQL holds`,
    { where: { group, topic, partition, offset } },
  );
}

/** Rows already in the table (written by an older vigie that kept no offsets in PostgreSQL): never dropped silently. */
function logDuplicates(log: (line: string) => void, table: string, rows: readonly { ref: { source: string; partition: number; offset: number } }[]): void {
  if (rows.length === 0) return;
  const first = rows[0]!.ref;
  log(`${table}: ${rows.length} rows of this transaction were already stored (the unique key kept them once), the first from ${first.source}/${first.partition} offset ${first.offset}`);
}

/** A stored transaction the table refused (it parsed, so this is rare: a schema changed by hand): a dead letter of its JSON. */
function storedDeadLetter({ item, reason }: Refused<StoredTransaction>, input: ReceivedInput | undefined): DeadLetter {
  const bytes = input !== undefined && typeof input.raw !== 'string' ? input.raw : undefined;
  return { stage: 'postgres:transactions', reason, raw: item.json, ...(bytes && { bytes }), ref: item.ref, time: item.time };
}
