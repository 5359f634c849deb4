/**
 * Issue 19, finding 1: one ISO 8601 timestamp, as banks' and payment switches' systems write it,
 * ended `vigie detect transactions` with `RangeError: eventTime: transaction 900000 has timestamp
 * "2026-03-01T10:30:00", not YYYY-MM-DD HH:MM:SS`: the parser accepted it (no end anchor) and the
 * rules' event time refused it. Exit 1, nothing committed, and every restart stopped on the same
 * record. Here another client (kcat) produces 100 good transactions in the seed's format, then
 * 20 000-XAF transactions in every ISO form vigie accepts mixed with impossible dates, then 100
 * more good ones, and vigie runs at its default rules: it stays up, stores every ISO one at its
 * instant, dead-letters every impossible one at its offset naming `timestamp` and the value, and
 * commits to the end.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { committedOffsets, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const BASE = Date.UTC(2026, 2, 1, 10, 0, 0);
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `instant` as wall-clock text at `zone` (its minutes east of UTC read from the suffix), with `digits` of fraction. */
function written(instant: number, separator: string, digits: number, zone: string): string {
  const m = /^([+-])(\d\d):?(\d\d)?$/.exec(zone);
  const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
  const local = new Date(instant + offset * 60_000);
  const fraction = digits === 0 ? '' : `.${`${pad(local.getUTCMilliseconds(), 3)}987654`.slice(0, digits)}`;
  return `${local.toISOString().slice(0, 10)}${separator}${local.toISOString().slice(11, 19)}${fraction}${zone}`;
}

const tx = (n: number, amount: number, timestamp: string): string =>
  JSON.stringify({ id: 1000 + n, transaction_id: 900_000 + n, amount, currency: 'XAF', timestamp });

/** Each message in the order produced (its offset): its text, and the instant it names or the timestamp it is refused for. */
function stream(): { text: string; instant?: number; refused?: string }[] {
  const out: { text: string; instant?: number; refused?: string }[] = [];
  const seed = (from: number, n: number) => {
    for (let i = 0; i < 100; i++) {
      const instant = from + i * 1000;
      out.push({ text: tx(n + i, 15_000, written(instant, ' ', 0, '')), instant });
    }
  };
  seed(BASE, 0);
  // the issue's own record first, then every separator, zone and fraction vigie accepts
  out.push({ text: tx(100, 20_000, '2026-03-01T10:01:40'), instant: BASE + 100_000 });
  const zones = ['', 'Z', 'z', '+01:00', '+0100', '+01', '-05:30', '-0530'];
  const digits = [0, 3, 6, 1, 9, 2];
  const impossible = ['2026-02-30 10:00:00', '2025-02-29T10:00:00Z', '2026-03-01T24:00:00', '2026-03-01T24:00:01', '2026-03-01T10:60:00',
    '2026-03-01T23:59:60Z', '2026-03-01T10:30:00+25:00', '2026-13-01T10:30:00'];
  let k = 0;
  for (const separator of ['T', ' ', 't']) {
    for (const zone of zones) {
      k++;
      const d = digits[k % digits.length]!;
      const exact = BASE + 100_000 + k * 1000 + ((k * 137) % 1000);
      const kept = d >= 3 ? exact : exact - (exact % 10 ** (3 - d));
      out.push({ text: tx(100 + k, 20_000, written(exact, separator, d, zone)), instant: kept });
      if (k % 3 === 0 && impossible.length > 0) {
        const timestamp = impossible.shift()!;
        out.push({ text: tx(200 + k, 20_000, timestamp), refused: timestamp });
      }
    }
  }
  for (const timestamp of impossible) out.push({ text: tx(300 + out.length, 20_000, timestamp), refused: timestamp });
  seed(BASE + 200_000, 400);
  return out;
}

describe('detect transactions on ISO 8601 timestamps (issue 19, finding 1)', () => {
  it('stays up, stores each at its instant, dead-letters impossible dates at their offsets, and commits to the end', async () => {
    const brokers = inject('kafkaBrokers');
    const dir = await mkdtemp(join(tmpdir(), 'vigie-iso-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const topic = uniqueTopic('transaction');
    const group = uniqueTopic('vigie-iso');
    await createTopic(brokers, topic, 1);
    const messages = stream();
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic, '-p', '0'], { input: `${messages.map((m) => m.text).join('\n')}\n` });

    const detect = vigie(['detect', 'transactions', '--topic', topic, '--group', group, '--kafka', brokers.join(','), '--database-url', db.url,
      '--data-dir', join(dir, 'vigie'), '--alerts-topic', uniqueTopic('transaction.alerts'), '--dlq-topic', uniqueTopic('transaction.dlq')]);
    const up = (): void => {
      if (detect.proc.exitCode !== null) throw new Error(`vigie exited ${detect.proc.exitCode}: ${detect.output()}`);
    };
    await until('the offsets committed to the end', async () => {
      up();
      return (await committedOffsets(brokers, group, topic))[0] === messages.length ? true : undefined;
    }, 90_000);
    up();

    const stored = await db.pool.query(
      "SELECT source_offset::int AS offset, tx_timestamp, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms FROM suspicious_transactions WHERE source = $1 AND revision = 0 ORDER BY 1",
      [topic],
    );
    const expected = messages.flatMap((m, offset) => (m.instant === undefined ? [] : [{ offset, tx_timestamp: (JSON.parse(m.text) as { timestamp: string }).timestamp, ms: String(m.instant) }]));
    expect(stored.rows).toEqual(expected);
    const dead = await db.pool.query('SELECT source_offset::int AS offset, reason FROM dead_letters WHERE source = $1 ORDER BY 1', [topic]);
    const refused = messages.flatMap((m, offset) => (m.refused === undefined ? [] : [{ offset, refused: m.refused }]));
    expect(dead.rows.map((r) => r.offset)).toEqual(refused.map((r) => r.offset));
    dead.rows.forEach((row, i) => {
      expect(row.reason).toMatch(/^timestamp: /);
      expect(row.reason).toContain(JSON.stringify(refused[i]!.refused));
    });

    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 150_000);
});
