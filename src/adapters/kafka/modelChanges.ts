/**
 * The models a running `detect transactions` scores with, changed live: the compacted control
 * topic `transaction.models` (key: the role, `current` or `shadow`; value: the model file's JSON
 * under `model`; a tombstone empties the role) applied to the flow's {@link ModelSlots}, read
 * from the start before the first transaction, then followed (see controlTopic.ts). A shadow is
 * scored beside the current model and decides nothing; `vigie model promote` sends the shadow as
 * `current` and a tombstone for `shadow`: the next transaction is decided by it, no restart.
 * A refused record is logged with its reason, sent to the rejected topic (`{ key, reason,
 * source }`) and, given a `pool`, written to `dead_letters` (stage `parse-model`, the value's
 * exact bytes; a record read again after a restart is kept once); the models in force stay.
 */
import type pg from 'pg';
import { isRetriable } from '../../errors.ts';
import { type RetryPolicy, defaultRetryPolicy, retryAsync } from '../../retry.ts';
import { deadLettersTable } from '../postgres/tables.ts';
import type { ModelSlots } from '../../models/modelSlots.ts';
import type { RuleBook } from '../../rules/ruleBook.ts';
import { type ControlTopic, followControlTopic } from './controlTopic.ts';
import { type ModelChangeOutcome, applyModelRecord, describeModelOutcome } from './modelRecord.ts';
import type { KafkaSecurity } from './security.ts';

export interface ModelChangesOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** `transaction.models` in the CLI. */
  readonly topic: string;
  readonly rejectedTopic?: string;
  readonly slots: ModelSlots;
  /** The flow's rule book: a model's feature rules join it. */
  readonly book: RuleBook;
  /** Whether the flow is fed labels: a model whose features read them is refused without (see `adoptFeatures`). */
  readonly labelsFed: boolean;
  readonly retry?: RetryPolicy;
  /** Where refused records go as dead letters (`dead_letters`); none: the log and the rejected topic only. */
  readonly pool?: pg.Pool;
  readonly log?: (line: string) => void;
  readonly onOutcome?: (outcome: ModelChangeOutcome) => void;
}

/**
 * A model file holds every tree of its booster: megabytes, above Kafka's 1 MB default. Records
 * are sent gzipped (a model's JSON shrinks about tenfold), and the topic takes up to 64 MiB.
 */
export const MODELS_TOPIC_CONFIG = { 'max.message.bytes': String(64 * 1024 * 1024) } as const;

export function followModelChanges(options: ModelChangesOptions): ControlTopic {
  const { topic, slots, book, labelsFed, pool, log = () => {}, retry = defaultRetryPolicy } = options;
  let stopping = false;
  let writing = Promise.resolve();
  const waiting: RetryPolicy = {
    ...retry,
    retriable: (error) => !stopping && isRetriable(error),
    onRetry: (error, attempt, ms) => log(`models: writing a dead letter failed (${(error as Error)?.message ?? error}), retry ${attempt} in ${ms} ms`),
  };
  const followed = followControlTopic({
    ...options,
    what: 'models',
    topicConfig: MODELS_TOPIC_CONFIG,
    apply: (record) => {
      const outcome = applyModelRecord(slots, book, topic, record, { labelsFed });
      log(describeModelOutcome(outcome));
      options.onOutcome?.(outcome);
      if (outcome.accepted) return undefined;
      if (pool !== undefined) {
        const { dead } = outcome;
        writing = writing
          .then(() => retryAsync(waiting, () => pool.query(deadLettersTable.sql, deadLettersTable.params([dead]))))
          .then(
            () => undefined,
            (error: unknown) => log(`models: could not write the dead letter of ${outcome.source}: ${(error as Error)?.message ?? error}`),
          );
      }
      return { key: outcome.key, value: JSON.stringify({ key: outcome.key, reason: outcome.reason, source: outcome.source }), about: `${outcome.key} (${outcome.source})` };
    },
  });
  return {
    ...followed,
    async stop() {
      await followed.stop();
      stopping = true;
      await writing;
    },
  };
}
