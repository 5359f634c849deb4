/**
 * Issue 10, finding 2: one message crashed `vigie detect transactions` and blocked its partition
 * for ever. Transactions the schema accepted but PostgreSQL refused (an id out of int's range, a
 * transaction_id below it, an amount overflowing numeric(18, 2), a NUL in a string) failed their
 * whole batch's INSERT, which was fatal, so nothing was committed and every restart crashed on the
 * same message; a non-JSON message with a 0x00 byte became a dead letter PostgreSQL refused; a
 * dead letter larger than the dead-letter topic's `max.message.bytes` was refused by Kafka; and
 * invalid UTF-8 was stored as U+FFFD. Here kcat produces each of them between good transactions:
 * vigie must store the good ones, dead-letter each poison with its reason and exact bytes, commit
 * past them all, and a second run must find nothing left to read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { committedOffsets, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

/** The shared broker, a folder and a database of the test's own. */
async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-poison-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return { brokers: inject('kafkaBrokers'), dir, db };
}

/** One file per record: kcat sends each file whole as one record, whatever bytes it holds. */
async function produce(brokers: string[], topic: string, dir: string, records: Buffer[]): Promise<void> {
  const files = await Promise.all(records.map(async (bytes, i) => {
    const file = join(dir, `${topic}-${i}`);
    await writeFile(file, bytes);
    return file;
  }));
  execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', '0', ...files]);
}

const tx = (fields: Record<string, unknown> = {}): string =>
  JSON.stringify({ id: 1234, transaction_id: 56789, amount: 50_000, currency: 'XAF', timestamp: '2026-11-22 10:00:00', ...fields });

/** Each message, in the order produced (its offset), and the reason its dead letter must give (null: a good one). */
const messages: [Buffer, RegExp | null][] = [
  [Buffer.from(tx()), null],
  [Buffer.from(tx({ id: 1099511627776 })), /^id: expected an integer of at most 2147483647/],
  [Buffer.from(tx({ transaction_id: -8589934592 })), /^transaction_id: expected an integer of at least -2147483648/],
  [Buffer.from(tx({ amount: 1e17 })), /^amount: expected less than 10\^16/],
  [Buffer.from(tx({ account: 'CM\u0000001' })), /^account: contains a NUL character/],
  [Buffer.from('not json \u0000 at all'), /^invalid JSON: /],
  [Buffer.concat([Buffer.from(tx({ account: 'A' })).subarray(0, -3), Buffer.from([0xff, 0x22, 0x7d])]), /^invalid UTF-8 at byte \d+$/],
  // 300 KB each: past the dead-letter topic's 64 KiB, within the input topic's default 1 MB;
  // two, so that their dead letters may travel in one produce request
  [Buffer.alloc(300_000, 'x'), /^invalid JSON: /],
  [Buffer.alloc(300_000, 'y'), /^invalid JSON: /],
  [Buffer.from(tx({ transaction_id: 56790, amount: 12_345.67 })), null],
  [Buffer.from(tx({ transaction_id: 56791, amount: 10 })), null],
];

describe('poison messages produced by kcat', () => {
  it('are dead-lettered with their reasons and exact bytes; the rest is stored and the partition committed past them', async () => {
    const { brokers, dir, db } = await setUp();
    const topic = uniqueTopic('transaction');
    const dlqTopic = uniqueTopic('transaction.dlq');
    const alertsTopic = uniqueTopic('transaction.alerts');
    const group = uniqueTopic('vigie-poison');
    await createTopic(brokers, topic, 1);
    await createTopic(brokers, dlqTopic, 1, { 'max.message.bytes': '65536' });
    await produce(brokers, topic, dir, messages.map(([bytes]) => bytes));

    const args = ['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', alertsTopic, '--dlq-topic', dlqTopic];
    const detect = vigie(args);
    const poison = messages.filter(([, reason]) => reason !== null).length;
    const count = async (table: string): Promise<number> =>
      Number((await db.pool.query(`SELECT count(*) AS n FROM ${table} WHERE source = $1`, [topic])).rows[0].n);
    await until(`2 suspicious transactions and ${poison} dead letters (output: ${detect.output()})`, async () => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
      return (await count('suspicious_transactions')) >= 2 && (await count('dead_letters')) >= poison ? true : undefined;
    }, 60_000);
    await until('the offsets committed past every message', async () =>
      (await committedOffsets(brokers, group, topic))[0] === messages.length ? true : undefined, 30_000);
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);

    const stored = await db.pool.query('SELECT source_offset::int AS offset, amount::text FROM suspicious_transactions WHERE source = $1 ORDER BY 1', [topic]);
    expect(stored.rows).toEqual([{ offset: 0, amount: '50000.00' }, { offset: 9, amount: '12345.67' }]);
    const dead = await db.pool.query('SELECT source_offset::int AS offset, stage, reason, raw, raw_bytes FROM dead_letters WHERE source = $1 ORDER BY 1', [topic]);
    const expected = messages.flatMap(([bytes, reason], offset) => (reason === null ? [] : [{ offset, bytes, reason }]));
    expect(dead.rows.map((r) => r.offset)).toEqual(expected.map((e) => e.offset));
    dead.rows.forEach((row, i) => {
      expect(row.reason).toMatch(expected[i]!.reason);
      expect(row.stage).toBe('parse-transaction');
      expect((row.raw_bytes as Buffer).equals(expected[i]!.bytes), `raw_bytes of offset ${row.offset}`).toBe(true);
    });
    expect(dead.rows.find((r) => r.offset === 5)!.raw).toBe('not json \u2400 at all');

    // on the dead-letter topic: every one, the 300 KB ones cut to 32 KiB with the whole's length and SHA-256
    const dlq = (await consumeAll(brokers, dlqTopic, poison)).map((r) => JSON.parse(r.value!) as Record<string, unknown>);
    expect(dlq.map((d) => (d['source'] as { offset: number }).offset)).toEqual(expected.map((e) => e.offset));
    dlq.forEach((d, i) => {
      const whole = expected[i]!.bytes;
      expect(d['length']).toBe(whole.length);
      expect(d['sha256']).toBe(createHash('sha256').update(whole).digest('hex'));
      expect(Buffer.from(d['rawBase64'] as string, 'base64').equals(whole.subarray(0, 32 * 1024))).toBe(true);
      expect(d['truncated']).toBe(whole.length > 32 * 1024);
      // readable text too when whole and small: the one with a NUL as JSON spells it
      if (!d['truncated']) expect(d['raw']).toBe(new TextDecoder().decode(whole));
    });

    // the dead-letter log holds the same records, not a Buffer spelled as an array of numbers
    const logged = (await readFile(join(dir, 'vigie', 'logs', 'dead-letters.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual(dlq);

    // no restart loop: the same group finds nothing left to read
    const again = vigie(args);
    await until('the second run to start', async () => (/records\/s/.test(again.output()) ? true : undefined));
    again.proc.kill('SIGTERM');
    expect(await again.exit, again.output()).toBe(0);
    expect(again.output()).toMatch(/\b0 records \| 0 rows written/);
  }, 150_000);
});

describe('sensor records that are not numbers, produced by kcat (issue 11, finding 4)', () => {
  // `detect sensors` used to rebuild a serial line `topic!value` from each record and parse that:
  // `12!5` was judged as a reading of topic `<topic>!12` (refused for its topic name, the line it
  // never received as raw), and non-UTF-8 bytes were stored behind a `<topic>!` they never had.
  it('are dead letters keeping their exact bytes, with a reason naming the record, and the readings around them are judged', async () => {
    const { brokers, dir, db } = await setUp();
    const topic = uniqueTopic('humidite');
    await createTopic(brokers, topic, 1);
    const values = [Buffer.from('50.1'), Buffer.from([0x35, 0x30, 0xff]), Buffer.from('12!5'), Buffer.from('50.2')];
    await produce(brokers, topic, dir, values);
    const detect = vigie(['detect', 'sensors', '--topic', topic, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', join(dir, 'vigie')]);
    const dead = await until('both dead letters', async () => {
      const { rows } = await db.pool.query('SELECT source_offset::int AS offset, stage, reason, raw_bytes FROM dead_letters WHERE source = $1 ORDER BY 1', [topic]);
      return rows.length >= 2 ? rows : undefined;
    }, 60_000);
    const judged = await until('both readings judged', async () => {
      const { rows } = await db.pool.query("SELECT source_offset::int AS offset, topic, value FROM sensor_detections WHERE source = $1 AND detector = 'dbscan' ORDER BY 1", [topic]);
      return rows.length >= 2 ? rows : undefined;
    });
    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
    const at = (offset: number) => `(topic=${topic} partition=0 offset=${offset})`;
    expect(dead).toEqual([
      { offset: 1, stage: 'parse-kafka-reading', reason: `not valid UTF-8 ${at(1)}`, raw_bytes: values[1] },
      { offset: 2, stage: 'parse-kafka-reading', reason: `value "12!5" is not a decimal number ${at(2)}`, raw_bytes: values[2] },
    ]);
    expect(judged).toEqual([{ offset: 0, topic, value: 50.1 }, { offset: 3, topic, value: 50.2 }]);
    // the dead-letter log gives the exact bytes too, not a Buffer spelled as an array of numbers
    const logged = (await readFile(join(dir, 'vigie', 'logs', 'dead-letters.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.map((d) => [d['reason'], Buffer.from(d['rawBase64'] as string, 'base64')])).toEqual([[dead[0].reason, values[1]], [dead[1].reason, values[2]]]);
  }, 120_000);
});
