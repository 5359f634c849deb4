/**
 * The schema, as an ordered list of migrations applied once each: a database created by an older
 * vigie is brought up to date instead of being recreated, and running `migrate` again is free.
 *
 * Each migration runs in its own transaction under a transaction-scoped advisory lock, so two
 * processes starting at once apply it once: the second waits, then finds it recorded. Append new
 * migrations at the end; never edit one that has shipped.
 *
 * Every sink table is unique on its records' source coordinates: that is what makes a retried or
 * replayed batch write nothing twice (`ON CONFLICT DO NOTHING`).
 */
import type pg from 'pg';
import { VigieError, isRetriable } from '../../errors.ts';

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** Arbitrary, constant: identifies "vigie is migrating" among advisory locks of the database. */
const LOCK_KEY = 0x76_69_67_69_65; // 'vigie'

export const migrations: readonly Migration[] = [
  {
    id: '001_sensor_detections',
    sql: `CREATE TABLE sensor_detections (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      value double precision NOT NULL,
      event_time timestamptz NOT NULL,
      state smallint NOT NULL,
      detector text NOT NULL,
      score double precision NULL,
      fill real NOT NULL,
      source text NOT NULL,
      source_partition int NOT NULL,
      source_offset bigint NOT NULL,
      detected_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source, source_partition, source_offset, detector)
    )`,
  },
  {
    id: '002_suspicious_transactions',
    sql: `CREATE TABLE suspicious_transactions (
      id bigserial PRIMARY KEY,
      client_id int NOT NULL,
      transaction_id int NOT NULL,
      amount numeric(18, 2) NOT NULL,
      currency char(3) NOT NULL,
      tx_timestamp text NOT NULL,
      reasons text[] NOT NULL,
      score double precision NOT NULL,
      source text NOT NULL,
      source_partition int NOT NULL,
      source_offset bigint NOT NULL,
      detected_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source, source_partition, source_offset)
    )`,
  },
  {
    id: '003_dead_letters',
    sql: `CREATE TABLE dead_letters (
      id bigserial PRIMARY KEY,
      stage text NOT NULL,
      reason text NOT NULL,
      raw text NOT NULL,
      source text NOT NULL,
      source_partition int NOT NULL,
      source_offset bigint NOT NULL,
      received_at timestamptz NOT NULL,
      UNIQUE (source, source_partition, source_offset, stage)
    )`,
  },
  {
    // Every input field of a transaction, its event time, and the input as received.
    id: '004_suspicious_transactions_all_fields',
    sql: `ALTER TABLE suspicious_transactions
      ADD COLUMN account text NULL,
      ADD COLUMN latitude double precision NULL,
      ADD COLUMN longitude double precision NULL,
      ADD COLUMN country char(2) NULL,
      ADD COLUMN channel text NULL,
      ADD COLUMN type text NULL,
      ADD COLUMN balance_before numeric(18, 2) NULL,
      ADD COLUMN event_time timestamptz NULL,
      ADD COLUMN input jsonb NULL`,
  },
  {
    // The exact bytes of each dead letter, whatever their encoding: `raw` stays its readable form
    // (a text column cannot hold a NUL, nor bytes that are not UTF-8).
    id: '005_dead_letters_raw_bytes',
    sql: `ALTER TABLE dead_letters ADD COLUMN raw_bytes bytea NULL;
      UPDATE dead_letters SET raw_bytes = convert_to(raw, 'UTF8');
      ALTER TABLE dead_letters ALTER COLUMN raw_bytes SET NOT NULL`,
  },
  {
    // Decisions on arrival: a record arriving out of order may change an earlier decision, which
    // is written as a new revision of that transaction's row (revision 0 is the first decision;
    // a revision with no reasons clears it). `revised_by` is the record that caused it.
    id: '006_suspicious_transaction_revisions',
    sql: `ALTER TABLE suspicious_transactions
        ADD COLUMN revision int4 NOT NULL DEFAULT 0,
        ADD COLUMN revised_by int8 NULL;
      DO $$ DECLARE c text; BEGIN
        SELECT conname INTO c FROM pg_constraint WHERE conrelid = 'suspicious_transactions'::regclass AND contype = 'u';
        EXECUTE format('ALTER TABLE suspicious_transactions DROP CONSTRAINT %I', c);
      END $$;
      ALTER TABLE suspicious_transactions ADD CONSTRAINT suspicious_transactions_source_revision_key
        UNIQUE (source, source_partition, source_offset, revision)`,
  },
  {
    // The operators' state per source partition, with the offset it covers (see src/state/):
    // one row per key (as JSON), the newest value written by a checkpoint, NULL once forgotten.
    // Text, not jsonb: written and read whole, never queried inside; jsonb's parsing and
    // re-encoding made checkpoints and restores slower.
    id: '007_state',
    sql: `CREATE TABLE vigie_state (
        store text NOT NULL,
        topic text NOT NULL,
        source_partition int4 NOT NULL,
        key text NOT NULL,
        value text NULL,
        covered_offset int8 NOT NULL,
        PRIMARY KEY (store, topic, source_partition, key)
      );
      CREATE TABLE vigie_state_offsets (
        store text NOT NULL,
        topic text NOT NULL,
        source_partition int4 NOT NULL,
        covered_offset int8 NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (store, topic, source_partition)
      )`,
  },
  {
    // Per consumer group and source partition, the next offset whose outputs are not in the
    // tables: written in the same transaction as the rows (see src/adapters/postgres/outputTransaction.ts),
    // so it is the truth a restart seeks to. A table of its own, not a reserved store of
    // vigie_state_offsets: that row only moves forward (a checkpoint never goes back), while this
    // one is a compare-and-set fence that must refuse any writer that did not read the last value.
    id: '008_output_offsets',
    sql: `CREATE TABLE vigie_output_offsets (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        source_partition int4 NOT NULL,
        next_offset int8 NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, source_partition)
      )`,
  },
  {
    // The terminal (card reader, ATM, mobile-money agent) a transaction was made at, beside the
    // other optional fields of 004: the compromised-terminal fraud of a simulated bank is found by it.
    id: '009_suspicious_transactions_terminal',
    sql: `ALTER TABLE suspicious_transactions ADD COLUMN terminal text NULL`,
  },
  {
    // The rules of the rule language (src/rules/) that fired: id, version, the value computed and
    // the limit it crossed, reason and score of each, as the alerts and the JSONL log carry them
    // (NULL when the flow did not explain, or for a row of an older vigie).
    id: '010_suspicious_transactions_fired',
    sql: `ALTER TABLE suspicious_transactions ADD COLUMN fired jsonb NULL`,
  },
  {
    // Labels of transactions (confirmed fraud, chargeback, analyst verdict) from the labels topic
    // (src/adapters/kafka/labels.ts), arriving days after the transaction. Unique per label of a
    // transaction from one labeller, so a replay writes nothing twice: the account is in the key
    // because transaction ids repeat across accounts (the prototype's are 10000-99999). The topic
    // coordinates say which record brought it; the labels reader's offsets are stored beside the
    // rows in vigie_output_offsets, in the same transaction.
    id: '011_labels',
    sql: `CREATE TABLE labels (
        id bigserial PRIMARY KEY,
        transaction_id int8 NOT NULL,
        account text NOT NULL,
        label text NOT NULL CHECK (label IN ('fraud', 'chargeback', 'verdict-fraud', 'verdict-genuine')),
        labelled_at timestamptz NOT NULL,
        source text NOT NULL,
        terminal text NULL,
        topic text NOT NULL,
        topic_partition int4 NOT NULL,
        topic_offset int8 NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (account, transaction_id, label, source)
      );
      CREATE INDEX labels_transaction ON labels (transaction_id)`,
  },
  {
    // A learned model's verdict on a suspicious transaction (detect transactions --model): the
    // version that decided, its probability and the top features with their contributions
    // (log-odds), and a shadow model's version and probability beside it (it decides nothing).
    // NULL when no model scored the flow.
    id: '012_suspicious_transactions_model',
    sql: `ALTER TABLE suspicious_transactions
        ADD COLUMN model text NULL,
        ADD COLUMN model_score double precision NULL,
        ADD COLUMN model_top jsonb NULL,
        ADD COLUMN shadow_model text NULL,
        ADD COLUMN shadow_score double precision NULL`,
  },
  {
    // Every transaction of the fraud flow (detect transactions --store-transactions), as the topic
    // gave it: the labelled history `vigie train fraud --from-database` replays, joined with
    // `labels` on (account, transaction_id). `input` is json, not jsonb: its text as it came, and
    // no conversion on the write path, which every transaction pays. No index but the unique key:
    // training reads the table whole, in one sorted pass.
    id: '013_transactions',
    sql: `CREATE TABLE transactions (
        id bigserial PRIMARY KEY,
        source text NOT NULL,
        source_partition int4 NOT NULL,
        source_offset int8 NOT NULL,
        event_time timestamptz NOT NULL,
        account text NOT NULL,
        transaction_id int8 NOT NULL,
        input json NOT NULL,
        received_at timestamptz NOT NULL,
        UNIQUE (source, source_partition, source_offset)
      )`,
  },
];

/**
 * Applies the migrations not yet recorded in `vigie_migrations`, in order.
 *
 * @return The ids applied by this call (empty when the schema was already up to date).
 */
export async function migrate(pool: pg.Pool, list: readonly Migration[] = migrations): Promise<string[]> {
  const applied: string[] = [];
  const client = await pool.connect();
  let failure: unknown;
  let current = '';
  try {
    for (const migration of list) {
      current = migration.id;
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        await client.query(`CREATE TABLE IF NOT EXISTS vigie_migrations (
          id text PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        const done = await client.query('SELECT 1 FROM vigie_migrations WHERE id = $1', [migration.id]);
        if (done.rowCount === 0) {
          await client.query(migration.sql);
          await client.query('INSERT INTO vigie_migrations (id) VALUES ($1)', [migration.id]);
          applied.push(migration.id);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
  } catch (cause) {
    failure = cause;
    const code = isRetriable(cause) ? 'DATABASE_UNAVAILABLE' : 'SERVICE_START_FAILED';
    throw new VigieError(code, `migration failed: ${(cause as Error).message}`, { where: { migration: current }, cause, retriable: isRetriable(cause) });
  } finally {
    client.release(failure instanceof Error ? failure : undefined);
  }
  return applied;
}
