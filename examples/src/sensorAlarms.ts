/**
 * A live flow composed from vigie's entry points: sensor readings from a Kafka topic (the topic
 * names the sensor, the value is the number), DBSCAN on each sensor's last 21 values as the
 * prototype did, one row per reading in PostgreSQL's `sensor_detections`. Each record is
 * acknowledged once its row is written (a malformed one at once), so the group's committed
 * offsets never pass a reading that is not stored, and a restart repeats nothing.
 */
import { filter, map, pipe } from 'rxjs';
import { Acknowledgements, type Database, type FromKafkaOptions, type Reading, dbscan, fromKafka, parseKafkaReading, perKey, sensorDetectionsTable, toPostgres, warmUp } from 'vigie';

export function sensorAlarms(kafka: FromKafkaOptions, pool: Database['pool']) {
  const acks = new Acknowledgements('sensorAlarms');
  return fromKafka(kafka).pipe(
    acks.inputs((record) => record.ref, (record) => record.ack()),
    parseKafkaReading(),
    filter((parsed) => parsed.ok),
    map((parsed) => (parsed as { value: Reading }).value),
    perKey((reading) => reading.topic, () => pipe(warmUp<Reading>(21), dbscan())),
    acks.durable([toPostgres(pool, sensorDetectionsTable)]),
  );
}
