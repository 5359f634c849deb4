/**
 * The floor of the fraud flow's durable work, hand-written, for `npm run bench -- spark`: the best
 * design we know for what `vigie detect transactions --rules amount` must do with each record, and
 * nothing else. Exactly once by offsets beside the rows (what Kafka's consumer documentation calls
 * storing offsets outside Kafka):
 * - kafkajs `eachBatch` → JSON.parse → amount > 10 000 XAF → vigie's row of each (every column,
 *   the input as jsonb) as COPY text (bench/spark/floorRows.ts);
 * - one PostgreSQL transaction per batch: COPY the rows into `suspicious_transactions`, then
 *   compare-and-set the partition's next offset in a table of the floor's own
 *   (`vigie_bench_floor_offsets`: `UPDATE … WHERE next_offset = <what this process last wrote or
 *   read>`, an INSERT when there was none; no row changed → another process wrote it: fenced,
 *   rolled back, exit 1), COMMIT once the batch's alerts are on Kafka too;
 * - no ON CONFLICT: the offsets make a replay impossible, and the unique key, still there, would
 *   fail the COPY (and end the floor) rather than double a row;
 * - on start, each partition is sought to the next offset PostgreSQL holds; records below it
 *   still fetched (kafkajs's first fetch may precede the seek) are skipped;
 * - pipelined: batch N+1 is fetched, parsed and encoded while batch N's transaction runs; at most
 *   one transaction at a time, so a partition's offsets only grow;
 * - alerts (vigie's alert: the transaction, its reasons, its id in a header) through
 *   @platformatic/kafka's producer, acks=all, 2 000 a request (a request must stay under the
 *   broker's 1 MB): at least once, as vigie's; `''` as the alerts topic sends none (the seed's
 *   own job sent none);
 * - Kafka's committed offset is updated after the transactions, at most twice a second, for lag
 *   and for the benchmark's "done": it is not the truth.
 *
 * Not done: validation, dead letters, rule state, metrics, logs, retries, outages (any error ends
 * the process), rebalances (one process per group; a revoked partition is not fenced off in
 * memory, only by the compare-and-set). What vigie does beyond this is vigie's own cost; what this
 * costs is the work itself on this machine, the clients and PostgreSQL included.
 *
 * Run by bench/spark/engines.ts: `tsx floor.ts <brokers> <topic> <group> <alerts topic or ''>`,
 * DATABASE_URL in the environment. Prints `floor: consuming` once it reads, stops on SIGINT.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CREATE_FLOOR_OFFSETS, FLOOR_COLUMNS, FLOOR_OFFSETS, type FloorAlert, floorBatch } from './floorRows.ts';

const [brokers = '', topic = '', group = '', alertsTopic = ''] = process.argv.slice(2);
const ALERTS_PER_REQUEST = 2_000;
const COPY = `COPY suspicious_transactions (${FLOOR_COLUMNS.join(', ')}) FROM STDIN`;

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query(CREATE_FLOOR_OFFSETS);
/** Per partition, the next offset as PostgreSQL holds it: what the next compare-and-set expects. */
const stored = new Map<number, number>(
  (await client.query<{ partition: number; next_offset: string }>(`SELECT partition, next_offset FROM ${FLOOR_OFFSETS} WHERE consumer_group = $1 AND topic = $2`, [group, topic])).rows.map(
    (r) => [r.partition, Number(r.next_offset)],
  ),
);
/** Per partition, the next offset to encode: ahead of `stored` by the batch being written. */
const next = new Map(stored);

const kafka = new Kafka({ clientId: 'vigie-bench-floor', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const producer = alertsTopic === '' ? undefined : new Producer({ clientId: 'vigie-bench-floor-alerts', bootstrapBrokers: brokers.split(','), serializers: stringSerializers });
if (alertsTopic !== '') {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: alertsTopic, numPartitions: 1 }] });
  await admin.disconnect();
}
// VIGIE_BENCH_FLOOR_FETCH_BYTES: small fetches make many small transactions, for the SIGKILL test.
const maxBytesPerPartition = Number(process.env['VIGIE_BENCH_FLOOR_FETCH_BYTES'] ?? 1_048_576);
const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 1000, maxBytesPerPartition });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });

const fail = (error: unknown): never => {
  console.error(`floor: ${(error as Error).message}`);
  process.exit(1);
};

function send(alerts: readonly FloorAlert[]): Promise<unknown> {
  if (!producer || alerts.length === 0) return Promise.resolve();
  const requests: Promise<unknown>[] = [];
  for (let i = 0; i < alerts.length; i += ALERTS_PER_REQUEST) {
    requests.push(producer.send({ acks: ProduceAcks.ALL, messages: alerts.slice(i, i + ALERTS_PER_REQUEST).map((a) => ({ topic: alertsTopic, ...a })) }));
  }
  return Promise.all(requests);
}

/** One transaction: the rows, the partition's next offset compare-and-set, COMMIT once the alerts are sent. */
async function write(partition: number, end: number, copy: string, alerts: readonly FloorAlert[]): Promise<void> {
  const sent = send(alerts);
  sent.catch(() => {}); // awaited below; meanwhile, no unhandled rejection
  await client.query('BEGIN');
  try {
    if (copy !== '') await pipeline(Readable.from([copy]), client.query(copyFrom(COPY)));
    const expected = stored.get(partition);
    const { rowCount } =
      expected === undefined
        ? await client.query(`INSERT INTO ${FLOOR_OFFSETS} VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [group, topic, partition, end])
        : await client.query(`UPDATE ${FLOOR_OFFSETS} SET next_offset = $4 WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset = $5`, [
            group, topic, partition, end, expected,
          ]);
    if (rowCount !== 1) throw new Error(`fenced: ${topic}/${partition}'s next offset is no longer ${expected ?? 'unwritten'} in ${FLOOR_OFFSETS}`);
    await sent;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  stored.set(partition, end);
}

/** The transaction running, if any; the next batch's transaction starts once it is done. */
let writing: Promise<void> = Promise.resolve();
/** Kafka's committed offsets: behind PostgreSQL's, for lag and tools. */
const toCommit = new Map<number, number>();
let stopping = false;
const committer = setInterval(() => {
  const offsets = [...toCommit].map(([partition, offset]) => ({ topic, partition, offset: String(offset) }));
  toCommit.clear();
  // one refused while stopping is of no consequence: PostgreSQL holds the truth
  if (offsets.length > 0) consumer.commitOffsets(offsets).catch((error: unknown) => stopping || fail(error));
}, 500);

await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    const { partition } = batch;
    const from = next.get(partition);
    const messages = from === undefined ? batch.messages : batch.messages.filter((m) => Number(m.offset) >= from);
    if (messages.length === 0) return;
    const first = Number(messages[0]!.offset);
    if (from !== undefined && first !== from) throw new Error(`${topic}/${partition}: fetched from ${first}, expected ${from}`);
    const end = Number(messages.at(-1)!.offset) + 1;
    next.set(partition, end);
    const { copy, alerts } = floorBatch(topic, partition, messages.map((m) => ({ offset: m.offset, value: m.value!.toString() })), new Date().toISOString(), producer !== undefined);
    await writing; // batch N is written; this one (N+1) was fetched and encoded meanwhile
    writing = write(partition, end, copy, alerts).then(() => {
      toCommit.set(partition, end);
    });
    writing.catch(fail); // kafkajs fetches batch N+2 while this transaction runs
  },
});
for (const [partition, offset] of stored) consumer.seek({ topic, partition, offset: String(offset) });
console.log('floor: consuming');

process.once('SIGINT', () => {
  stopping = true;
  clearInterval(committer);
  void (async () => {
    await consumer.disconnect();
    await writing;
    await producer?.close();
    await client.end();
    process.exit(0);
  })().catch(fail);
});
