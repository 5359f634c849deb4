/**
 * Runs `sensorAlarms` until Ctrl-C (or SIGTERM): `node dist/main.js <topic>`, with KAFKA_BROKERS
 * (host:port, comma-separated; default 127.0.0.1:9092) and DATABASE_URL (default: an embedded
 * PostgreSQL under .vigie/). The schema is created if missing.
 */
import { fromEvent, merge } from 'rxjs';
import { openDatabase, redactUrl } from 'vigie';
import { sensorAlarms } from './sensorAlarms.js';

const topic = process.argv[2] ?? 'temperature';
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const db = await openDatabase({ databaseUrl: process.env['DATABASE_URL'], dataDir: '.vigie' });
const stop$ = merge(fromEvent(process, 'SIGINT'), fromEvent(process, 'SIGTERM'));
console.log(`reading ${topic} from ${brokers.join(',')}, writing to ${redactUrl(db.url)}`);

let rows = 0;
sensorAlarms({ brokers, topics: [topic], groupId: `sensor-alarms-${topic}`, start: 'earliest', stop$ }, db.pool).subscribe({
  next: ({ items }) => console.log(`${(rows += items.length)} rows written`),
  error: async (error: unknown) => {
    console.error(error);
    await db.close();
    process.exitCode = 1;
  },
  complete: () => void db.close(),
});
