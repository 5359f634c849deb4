/**
 * kafkajs partitions a batch again on every attempt, and its round-robin for keyless messages
 * moves on in between: a batch resent after a reply lost to a broker crash went to other
 * partitions under the sequence numbers of the first attempt, so the broker dropped part of it as
 * a duplicate and wrote the rest twice (`npm run chaos`, seed 1: the bridge's readings c1395 and
 * c1398 twice, c1396 never). The partitioner vigie's producers
 * use pins each message's partition at its first attempt.
 */
import { type Message, type PartitionMetadata, Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { pinnedPartitioner } from '../../../src/adapters/kafka/producer.ts';

const partitionMetadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({
  partitionId,
  leader: 1,
  partitionErrorCode: 0,
  replicas: [1],
  isr: [1],
}));

/** Two attempts at the same batch of keyless messages, another batch sent in between. */
function twoAttempts(partition: ReturnType<typeof pinnedPartitioner>): { first: number[]; again: number[] } {
  const batch: Message[] = [1, 2, 3, 4].map((i) => ({ value: `reading ${i}` }));
  const first = batch.map((message) => partition({ topic: 'humidite', partitionMetadata, message }));
  partition({ topic: 'humidite', partitionMetadata, message: { value: 'another batch' } });
  const again = batch.map((message) => partition({ topic: 'humidite', partitionMetadata, message }));
  return { first, again };
}

describe('pinnedPartitioner', () => {
  it('sends a resent message to the partition of its first attempt', () => {
    const { first, again } = twoAttempts(pinnedPartitioner());
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(3); // still spread round-robin over the partitions
  });

  it("is needed: kafkajs's own default moves a resent keyless message to another partition", () => {
    const { first, again } = twoAttempts(Partitioners.DefaultPartitioner());
    expect(again).not.toEqual(first);
  });

  it("keeps keyed messages on their key's partition", () => {
    const partition = pinnedPartitioner();
    const keyed = (key: string) => partition({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
    expect(keyed('account-7')).toBe(keyed('account-7'));
  });
});
