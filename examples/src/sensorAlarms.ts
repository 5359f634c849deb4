/**
 * A live flow composed from vigie's entry points: sensor readings from a Kafka topic (the topic
 * names the sensor, the value is the number), DBSCAN on each sensor's last 21 values as the
 * prototype did, one row per reading in PostgreSQL's `sensor_detections`. Each record is
 * acknowledged once its row is written (a malformed one at once), so the group's committed
 * offsets never pass a reading that is not stored, and a restart repeats nothing.
 */
import { type Observable, filter, map, pipe } from 'rxjs';
import { type Database, type FromKafkaOptions, type KafkaRecord, type Reading, acknowledged, dbscan, fromKafka, parseKafkaReading, perKey, routeTo, sensorDetectionsTable, toPostgres, warmUp } from 'vigie';

export function sensorAlarms(kafka: FromKafkaOptions, pool: Database['pool']) {
  return acknowledged(
    fromKafka(kafka),
    (records$: Observable<KafkaRecord>) => records$.pipe(
      parseKafkaReading(),
      filter((parsed) => parsed.ok),
      map((parsed) => (parsed as { value: Reading }).value),
      perKey((reading) => reading.topic, () => pipe(warmUp<Reading>(21), dbscan())),
      routeTo('detections'),
    ),
    { durable: { detections: [toPostgres(pool, sensorDetectionsTable)] } },
  );
}
