/**
 * Where each consumer group stands: per partition its committed offset and the partition's end.
 * What the recovery times and the "stuck" count are made of.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';

export interface GroupTopic {
  readonly group: string;
  readonly topic: string;
}

/** `partition -> { committed, end }`; committed is -1 where the group has none. */
export type Positions = Map<number, { committed: number; end: number }>;

export interface OffsetReader {
  /** Undefined while the broker cannot answer. */
  positions(of: GroupTopic): Promise<Positions | undefined>;
  /** The end offset of every partition, or undefined. */
  ends(topic: string): Promise<Map<number, number> | undefined>;
  close(): Promise<void>;
}

export function offsetReader(brokers: string[]): OffsetReader {
  let admin: Admin | null = null;
  const connected = async (): Promise<Admin> => {
    if (admin) return admin;
    const fresh = new Kafka({ clientId: 'chaos-offsets', brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
    await fresh.connect();
    return (admin = fresh);
  };
  const attempt = async <T>(work: (a: Admin) => Promise<T>): Promise<T | undefined> => {
    try {
      return await work(await connected());
    } catch {
      await admin?.disconnect().catch(() => {});
      admin = null;
      return undefined;
    }
  };
  const ends = (topic: string) =>
    attempt(async (a) => new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
  return {
    ends,
    positions: async ({ group, topic }) => {
      const end = await ends(topic);
      const committed = await attempt((a) => a.fetchOffsets({ groupId: group, topics: [topic] }));
      if (!end || !committed) return undefined;
      const out: Positions = new Map();
      for (const p of committed[0]?.partitions ?? []) out.set(p.partition, { committed: Number(p.offset), end: end.get(p.partition) ?? 0 });
      return out;
    },
    close: async () => {
      await admin?.disconnect().catch(() => {});
    },
  };
}

/** Partitions whose committed offset is behind their end (empty ones never are). */
export function behind(positions: Positions): number[] {
  // an empty partition (end 0) has nothing to commit: no commit (-1) is not behind
  return [...positions].filter(([, p]) => p.end > 0 && p.committed < p.end).map(([partition]) => partition);
}
