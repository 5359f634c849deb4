/**
 * The floor of the fraud flow's durable work, hand-written, for `npm run bench -- spark`: the
 * least code that does what `vigie detect transactions --rules amount` must do with each record,
 * and nothing else. kafkajs `eachBatch` → JSON.parse → amount > 10 000 XAF → the rows of the
 * batch as one INSERT into `suspicious_transactions` (vigie's row: every column, the input as
 * jsonb, the unique key with ON CONFLICT DO NOTHING, so that a replay doubles nothing) beside one
 * produce of the batch's alerts (vigie's alert: the transaction, its reasons, its id in a header)
 * → the batch's offset committed once both are written.
 *
 * No validation, dead letters, state, metrics, logs, retries or outage handling: what vigie does
 * beyond this is vigie's own cost, and what this costs is the work itself on this machine, the
 * Kafka client and PostgreSQL included. A rate the floor cannot reach, no implementation of the
 * same work with these clients can.
 *
 * Run by bench/spark/engines.ts: `tsx floor.ts <brokers> <topic> <group> <alerts topic>`,
 * DATABASE_URL in the environment. Prints `floor: consuming` once it reads, stops on SIGINT.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const [brokers = '', topic = '', group = '', alertsTopic = ''] = process.argv.slice(2);
const LIMIT_XAF = 10_000;
const COLUMNS =
  'client_id int4, transaction_id int4, amount numeric, currency text, tx_timestamp text, reasons text[], score float8, source text, ' +
  'source_partition int4, source_offset int8, event_time timestamptz, input jsonb, revision int4, detected_at timestamptz';
const NAMES = COLUMNS.split(', ').map((c) => c.split(' ')[0]).join(', ');
const INSERT = `INSERT INTO suspicious_transactions (${NAMES}) SELECT ${NAMES} FROM json_to_recordset($1::json) AS t(${COLUMNS}) ON CONFLICT DO NOTHING`;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const kafka = new Kafka({ clientId: 'vigie-bench-floor', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: alertsTopic, numPartitions: 1 }] });
await admin.disconnect();
const producer = kafka.producer();
const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 1000 });
await Promise.all([producer.connect(), consumer.connect()]);
await consumer.subscribe({ topics: [topic], fromBeginning: true });

const eventTime = (timestamp: string): string => `${timestamp.slice(0, 10)}T${timestamp.slice(11, 19)}Z`;

await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch, heartbeat }) => {
    const rows: object[] = [];
    const alerts: { key: string; value: string; headers: Record<string, string> }[] = [];
    const detectedAt = new Date().toISOString();
    for (const message of batch.messages) {
      const t = JSON.parse(message.value!.toString()) as { id: number; transaction_id: number; amount: number; currency: string; timestamp: string };
      if (!(t.amount > LIMIT_XAF)) continue;
      const id = `${batch.topic}/${batch.partition}/${message.offset}`;
      const score = t.amount / LIMIT_XAF;
      rows.push({
        client_id: t.id,
        transaction_id: t.transaction_id,
        amount: t.amount,
        currency: t.currency,
        tx_timestamp: t.timestamp,
        reasons: ['amount>10000XAF'],
        score,
        source: batch.topic,
        source_partition: batch.partition,
        source_offset: message.offset,
        event_time: eventTime(t.timestamp),
        input: t,
        revision: 0,
        detected_at: detectedAt,
      });
      alerts.push({ key: String(t.id), value: JSON.stringify({ alert_id: id, ...t, reasons: ['amount>10000XAF'], score, revision: 0 }), headers: { 'vigie-alert-id': id } });
    }
    // vigie's slices: 2 000 rows a statement, 2 000 alerts a request, the two side by side
    for (let i = 0; i < rows.length; i += 2_000) {
      await Promise.all([
        pool.query(INSERT, [JSON.stringify(rows.slice(i, i + 2_000))]),
        producer.send({ topic: alertsTopic, acks: -1, messages: alerts.slice(i, i + 2_000) }),
      ]);
      await heartbeat();
    }
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
  },
});
console.log('floor: consuming');

process.once('SIGINT', () => {
  void (async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await pool.end();
    process.exit(0);
  })();
});
