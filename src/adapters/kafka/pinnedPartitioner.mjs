// Plain JavaScript, imported both by `producer.ts` and by `producerThread.worker.mjs`, which runs
// in a worker thread without the main thread's loaders (tsx): one partitioner for both producers.
// scripts/build.mjs copies it, and its types (pinnedPartitioner.d.mts), into dist/ beside them.
import kafkajs from 'kafkajs';

/**
 * kafkajs's default partitioner, each message's partition pinned at its first attempt.
 *
 * kafkajs partitions a batch again on every attempt, its own retries and ours, and its round-robin
 * for keyless messages (the bridge's readings) moves on in between. A batch resent after a reply
 * lost to a broker crash then went to other partitions under the sequence numbers of the first
 * attempt: the broker took what landed on an already-written partition as a duplicate and dropped
 * it, and wrote the rest twice (`npm run chaos`, seed 1: 2 readings lost, 2 doubled). With the
 * partition pinned, a resend is the same request, which is what the idempotent producer needs:
 * a resend must send the same message objects (the worker keeps them by batch id).
 *
 * @type {import('kafkajs').ICustomPartitioner}
 */
export const pinnedPartitioner = () => {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const pinned = new WeakMap();
  return (args) => {
    let partition = pinned.get(args.message);
    if (partition === undefined) pinned.set(args.message, (partition = partitioner(args)));
    return partition;
  };
};
