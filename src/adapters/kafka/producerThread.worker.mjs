// The kafkajs producer of `producerThread.ts`, in a worker thread: encoding a produce request
// (records, varints, CRC-32C, buffer copies) is the costliest stage of the fraud flow, and here
// it runs on another core than the rules. Plain JavaScript: a worker thread has none of the main
// thread's loaders (tsx), so this file runs as it is.
//
// Messages in: { id, op: 'connect' | 'disconnect' | 'sendBatch', batch?, acks?, topicMessages? }
// Messages out: { id, ok: true, value } | { id, ok: false, error } (the error as plain data).
import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';
import { pinnedPartitioner } from './pinnedPartitioner.mjs';

const { Kafka, logLevel } = kafkajs;
// `security`: kafkajs's ssl and sasl, plain data made by kafkaSecurityConfig (security.ts)
const { brokers, clientId, config, security } = workerData;

// A resent batch keeps the partition each message got at its first attempt (pinnedPartitioner):
// the messages of a batch are kept here, by batch id, until it is written, and every attempt
// sends those same objects. Batches go one at a time (maxInFlightRequests 1); the few a sink
// gave up on or split are dropped past KEPT.
const producer = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, ...security }).producer({ ...config, createPartitioner: pinnedPartitioner });
/** @type {Map<number, unknown[]>} */
const batches = new Map();
const KEPT = 16;

const asBuffer = (v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

/** The error and its causes as plain data: what `isKafkaOutage` and the split on MESSAGE_TOO_LARGE read. */
function plain(error, depth = 0) {
  if (error === null || typeof error !== 'object' || depth > 8) return { name: 'Error', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    retriable: error.retriable,
    type: error.type,
    code: error.code,
    cause: error.cause === undefined ? undefined : plain(error.cause, depth + 1),
  };
}

parentPort.on('message', async ({ id, op, batch, acks, topicMessages }) => {
  try {
    let value;
    if (op === 'connect') value = await producer.connect();
    else if (op === 'disconnect') value = await producer.disconnect();
    else {
      let kept = batches.get(batch);
      if (kept === undefined) {
        // a Buffer crosses threads as a plain Uint8Array, which kafkajs would take for text
        for (const { messages } of topicMessages) for (const m of messages) [m.key, m.value] = [asBuffer(m.key), asBuffer(m.value)];
        batches.set(batch, (kept = topicMessages));
        if (batches.size > KEPT) batches.delete(batches.keys().next().value);
      }
      value = await producer.sendBatch({ acks, topicMessages: kept });
      batches.delete(batch);
    }
    parentPort.postMessage({ id, ok: true, value });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: plain(error) });
  }
});
