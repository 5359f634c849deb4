/**
 * A fetched Kafka message as the {@link KafkaRecord} the flows see: its coordinates as its
 * {@link SourceRef}, headers as text, and an `ack` that takes effect once.
 */
import type { KafkaMessage } from 'kafkajs';
import type { KafkaRecord } from './types.ts';

export function kafkaRecord(topic: string, partition: number, offset: number, message: KafkaMessage, onAck: () => void): KafkaRecord {
  let acked = false;
  return {
    topic,
    partition,
    offset,
    key: message.key,
    value: message.value,
    headers: headersOf(message),
    timestamp: Number(message.timestamp),
    ref: { source: topic, partition, offset },
    ack: () => {
      if (acked) return;
      acked = true;
      onAck();
    },
  };
}

function headersOf(message: KafkaMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    out[name] = value === undefined ? undefined : Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return out;
}
