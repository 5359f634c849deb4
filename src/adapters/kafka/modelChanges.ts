/**
 * The models a running `detect transactions` scores with, changed live: the compacted control
 * topic `transaction.models` (key: the role, `current` or `shadow`; value: the model file's JSON
 * under `model`; a tombstone empties the role) applied to the flow's {@link ModelSlots}, read
 * from the start before the first transaction, then followed (see controlTopic.ts). A shadow is
 * scored beside the current model and decides nothing; `vigie model promote` sends the shadow as
 * `current` and a tombstone for `shadow`: the next transaction is decided by it, no restart.
 * A refused record is logged with its reason and sent to the rejected topic
 * (`{ key, reason, source }`); the models in force stay.
 */
import type { RetryPolicy } from '../../retry.ts';
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
  readonly log?: (line: string) => void;
  readonly onOutcome?: (outcome: ModelChangeOutcome) => void;
}

/**
 * A model file holds every tree of its booster: megabytes, above Kafka's 1 MB default. Records
 * are sent gzipped (a model's JSON shrinks about tenfold), and the topic takes up to 64 MiB.
 */
export const MODELS_TOPIC_CONFIG = { 'max.message.bytes': String(64 * 1024 * 1024) } as const;

export function followModelChanges(options: ModelChangesOptions): ControlTopic {
  const { topic, slots, book, labelsFed, log = () => {} } = options;
  return followControlTopic({
    ...options,
    what: 'models',
    topicConfig: MODELS_TOPIC_CONFIG,
    apply: (record) => {
      const outcome = applyModelRecord(slots, book, topic, record, { labelsFed });
      log(describeModelOutcome(outcome));
      options.onOutcome?.(outcome);
      if (outcome.accepted) return undefined;
      return { key: outcome.key, value: JSON.stringify({ key: outcome.key, reason: outcome.reason, source: outcome.source }), about: `${outcome.key} (${outcome.source})` };
    },
  });
}
