/**
 * The fraud rules changed live: every record of the compacted control topic `transaction.rules`
 * (key: rule id; value: the rule's JSON; a tombstone removes the rule) applied to a
 * {@link RuleBook}, read from the beginning on all partitions, then followed. Every process that
 * judges reads all of it: a consumer group of its own (unique, never committed to), so no two
 * processes share the changes out. The topic is created compacted when missing.
 *
 * `caughtUp` resolves once every record the topic held at the start is applied: a flow waits for
 * it before judging its first transaction, so a restart judges by the same rules as the run
 * before. A refused change (invalid, an older version, bytes that are not UTF-8) is logged with
 * its reason and sent to the rejected topic (`{ id, reason, raw, source, at }`, keyed by the id);
 * the rules in force are untouched and the reader goes on. Brokers away are waited for, at the
 * start and later, with the one retry policy; the consumer is made anew while they are away, and
 * the records it had already applied are not applied again.
 */
import type { Admin } from 'kafkajs';
import type { RetryPolicy } from '../../retry.ts';
import type { RuleBook, RuleChangeOutcome } from '../../rules/ruleBook.ts';
import { type ControlTopic, ensureControlTopics, followControlTopic } from './controlTopic.ts';
import { applyRuleRecord, describeOutcome, rejectedJson } from './ruleRecord.ts';
import type { KafkaSecurity } from './security.ts';

export interface RuleChangesOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** The control topic; `transaction.rules` in the CLI. */
  readonly topic: string;
  /** Where refused changes go; '' (or none) for the log only. */
  readonly rejectedTopic?: string;
  readonly book: RuleBook;
  /** How the brokers are waited for; {@link defaultRetryPolicy} (for ever) by default. Kafka outages are retried whatever its `retriable` says. */
  readonly retry?: RetryPolicy;
  /** One line per change (accepted, removed or refused) and per outage. */
  readonly log?: (line: string) => void;
  /** Told of each change applied or refused, after the log line. */
  readonly onOutcome?: (outcome: RuleChangeOutcome) => void;
}

/** `caughtUp` once the topic's records at the start are applied; `stop` (changes already applied stay). */
export type RuleChanges = ControlTopic;

export function followRuleChanges(options: RuleChangesOptions): RuleChanges {
  const { topic, book, log = () => {} } = options;
  return followControlTopic({
    ...options,
    what: 'rules',
    apply: (record) => {
      const outcome = applyRuleRecord(book, topic, record);
      log(describeOutcome(outcome));
      options.onOutcome?.(outcome);
      if (outcome.accepted) return undefined;
      return { key: outcome.change.id, value: rejectedJson(outcome), about: `${outcome.change.id} (${outcome.change.source})` };
    },
  });
}

/**
 * The control topic, created compacted (one partition: the changes keep one order) when missing,
 * and the rejected topic ('' for none) made now rather than by the first refusal's send, which
 * kafkajs's producer gives up on while the topic's leader is not known yet.
 */
export function ensureRuleTopics(admin: Admin, topic: string, rejectedTopic: string, log: (line: string) => void): Promise<void> {
  return ensureControlTopics(admin, topic, rejectedTopic, log, 'rules');
}
