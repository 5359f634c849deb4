/**
 * The bench's consumer on the alerts topic, as a bank's case system would read it: each alert of
 * the measured topic is stamped with the moment it reached this consumer, keyed by its source
 * coordinates (its `alert_id` is `<topic>/<partition>/<offset>`). An alert arriving twice keeps
 * both arrivals: at-least-once shows as doubles. Revisions (`#<n>` after the id) are counted
 * apart: the latency measured is that of the first decision.
 */
import { createTopic, kafkaClient } from '../kafka/records.ts';
import { coordinates } from './transactions.ts';

export interface AlertWatch {
  /** Source coordinates (`<partition>/<offset>`) → every arrival time (epoch ms). */
  readonly arrivals: ReadonlyMap<string, readonly number[]>;
  /** Revisions of earlier alerts received. */
  revisions(): number;
  stop(): Promise<void>;
}

/**
 * Joins a fresh group at the topic's end as it is now, and resolves once it has joined. Not from
 * the topic's start: on a broker kept between runs (KAFKA_BROKERS) the alerts topic holds every
 * earlier run's alerts, and reading them first delayed this run's by seconds, timed as vigie's.
 */
export async function watchAlerts(brokers: readonly string[], alertsTopic: string, sourceTopic: string): Promise<AlertWatch> {
  const arrivals = new Map<string, number[]>();
  const prefix = `${sourceTopic}/`;
  let revisions = 0;
  await createTopic(brokers, alertsTopic); // one partition, as the broker's auto-creation would make it
  const admin = kafkaClient(brokers, 'vigie-bench-fraud-alerts-end').admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(alertsTopic).finally(() => admin.disconnect());
  const consumer = kafkaClient(brokers, 'vigie-bench-fraud-alerts').consumer({ groupId: `${sourceTopic}-alerts`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  // Sought as the group is joined, before its first fetch (kafkajs applies a seek at the next fetch).
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const { partition, high } of ends) consumer.seek({ topic: alertsTopic, partition, offset: high });
      resolve();
    }),
  );
  await consumer.subscribe({ topics: [alertsTopic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const { alert_id: id } = JSON.parse(m.value!.toString()) as { alert_id: string };
        if (!id.startsWith(prefix)) continue;
        const [partition, offset, revision] = id.slice(prefix.length).split(/[/#]/);
        if (revision !== undefined) {
          revisions++;
          continue;
        }
        const key = coordinates(Number(partition), offset!);
        const seen = arrivals.get(key);
        if (seen) seen.push(now);
        else arrivals.set(key, [now]);
      }
    },
  });
  await joined;
  return { arrivals, revisions: () => revisions, stop: () => consumer.disconnect() };
}
