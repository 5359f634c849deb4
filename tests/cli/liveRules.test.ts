/**
 * Issue 23, done when: a rule's limit changed on the control topic while `vigie detect
 * transactions` runs on a real broker judges the transactions that come after it by the new
 * version, each alert and row naming it (`fired`: id and version); an invalid rule is refused (on the rejected topic with
 * its reason) and the old set keeps running. And the change takes effect within a second of being
 * produced: the delay from the change's record timestamp to the log line saying it is in force is
 * printed (the figure of docs/rules.md) and asserted generously, the machine being shared.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers/database.ts';
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

const AMOUNT_V1 = { id: 'amount', version: 1, value: { field: 'amount' }, compare: '>', limit: { by: 'currency', limits: { XAF: 10_000 } }, reason: 'amount>{limit}{currency} (amount v1)' };
const AMOUNT_V2 = { ...AMOUNT_V1, version: 2, limit: { by: 'currency', limits: { XAF: 5_000 } }, reason: 'amount>{limit}{currency} (amount v2)' };

interface Alert {
  readonly transaction_id: number;
  readonly reasons: string[];
  readonly fired?: { id: string; version: number }[];
}

let next = 0;
/** Transactions stamped now (event time after any change applied before), each of an account of its own: only the amount rule can fire. */
function transactions(amounts: readonly number[]) {
  return amounts.map((amount) => {
    const n = next++;
    return { id: 1000 + n, transaction_id: 50_000 + n, amount, currency: 'XAF', timestamp: new Date().toISOString(), account: `live-${n}` };
  });
}

describe('rules changed live on the control topic', () => {
  it('judges the transactions after a change by its version, refuses an invalid one and keeps the set in force, within a second', async () => {
    const brokers = inject('kafkaBrokers');
    const kafka = new Kafka({ clientId: 'vigie-test', brokers, logLevel: logLevel.NOTHING });
    const topic = uniqueTopic('transactions-live');
    const rulesTopic = uniqueTopic('rules-live');
    const rejectedTopic = uniqueTopic('rules-live-rejected');
    const alertsTopic = uniqueTopic('alerts-live');
    await createTopic(brokers, topic, 1);
    await createTopic(brokers, alertsTopic, 1);
    const dir = await mkdtemp(join(tmpdir(), 'vigie-live-rules-'));
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const rulesFile = join(dir, 'rules.json');
    await writeFile(rulesFile, JSON.stringify({ rules: [AMOUNT_V1] }));

    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const produce = async (amounts: readonly number[]) => {
      const sent = transactions(amounts);
      await producer.send({ topic, acks: -1, messages: sent.map((t) => ({ key: t.account, value: JSON.stringify(t) })) });
      return sent;
    };

    const kafkaFlags = ['--kafka', brokers.join(','), '--rules-topic', rulesTopic];
    const detect = vigie(['detect', 'transactions', '--topic', topic, '--group', uniqueTopic('vigie-live'), ...kafkaFlags, '--rules-rejected-topic', rejectedTopic, '--alerts-topic', alertsTopic, '--rules-file', rulesFile, '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000']);
    const exitedEarly = detect.exit.then((code) => {
      throw new Error(`vigie detect transactions exited ${code}:\n${detect.output()}`);
    });
    exitedEarly.catch(() => {});
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => Promise.race([until(what, probe, timeoutMs), exitedEarly]);
    await waitFor('the control topic read', async () => (detect.output().includes(`Rules followed on ${rulesTopic}`) ? true : undefined));
    const alerts = async (count: number): Promise<Alert[]> => (await consumeAll(brokers, alertsTopic, count, 30_000)).map((r) => JSON.parse(r.value!) as Alert);

    // version 1: above 10 000 XAF only
    const before = await produce([7_000, 12_000, 6_000]);
    expect((await alerts(1)).map((a) => [a.transaction_id, a.reasons])).toEqual([[before[1]!.transaction_id, ['amount>10000XAF (amount v1)']]]);

    // a new limit, produced by another client: `vigie rules add`
    const v2File = join(dir, 'amount-v2.json');
    await writeFile(v2File, JSON.stringify(AMOUNT_V2));
    const add = vigie(['rules', 'add', v2File, ...kafkaFlags]);
    expect(await add.exit, add.output()).toBe(0);
    expect(add.output()).toContain(`sent amount v2 to ${rulesTopic}/0@0`);
    // the delay from the record's timestamp (its `from`, in the line) to the line saying it is in force
    const applied = new RegExp(`rules: amount v2 from (\\S+) \\(${rulesTopic}/0@0\\)`);
    let seenAt = 0;
    const line = await waitFor('amount v2 in force', async () => {
      const match = applied.exec(detect.output());
      if (match) seenAt = Date.now();
      return match ?? undefined;
    });
    const delay = seenAt - Date.parse(line[1]!);
    console.log(`live rules: the change was in force at most ${delay} ms after it was produced (its record timestamp to the first poll that saw its log line)`);
    expect(delay).toBeLessThan(5_000);

    const after = await produce([7_000, 4_000, 12_000]);
    const v2Alerts = (await alerts(3)).slice(1);
    expect(v2Alerts.map((a) => [a.transaction_id, a.reasons])).toEqual([
      [after[0]!.transaction_id, ['amount>5000XAF (amount v2)']],
      [after[2]!.transaction_id, ['amount>5000XAF (amount v2)']],
    ]);
    // and each names the version that fired
    for (const alert of v2Alerts) expect(alert.fired).toEqual([expect.objectContaining({ id: 'amount', version: 2, value: alert === v2Alerts[0] ? 7_000 : 12_000, limit: 5_000 })]);

    // an invalid version 3, produced by a plain Kafka client: refused, version 2 still judges
    const invalid = JSON.stringify({ ...AMOUNT_V2, version: 3, compare: '~' });
    await producer.send({ topic: rulesTopic, acks: -1, messages: [{ key: 'amount', value: invalid }] });
    const [rejected] = await consumeAll(brokers, rejectedTopic, 1, 30_000);
    expect(rejected!.key).toBe('amount');
    const refusal = JSON.parse(rejected!.value!) as { id: string; reason: string; raw: string; source: string; at: string };
    expect(refusal).toMatchObject({ id: 'amount', raw: invalid, source: `${rulesTopic}/0@1` });
    expect(refusal.reason).toMatch(/^compare: /);
    await waitFor('the refusal logged', async () => (detect.output().includes(`rules: refused amount (${rulesTopic}/0@1): compare: `) ? true : undefined));

    const still = await produce([8_000, 3_000]);
    const last = (await alerts(4)).at(-1)!;
    expect([last.transaction_id, last.reasons]).toEqual([still[0]!.transaction_id, ['amount>5000XAF (amount v2)']]);

    // the rows say the same
    const rows = await waitFor('the 4 rows', async () => {
      const { rows } = await db.pool.query<{ transaction_id: number; reasons: string[]; fired: { id: string; version: number }[] }>('SELECT transaction_id, reasons, fired FROM suspicious_transactions WHERE source = $1 ORDER BY source_offset', [topic]);
      return rows.length >= 4 ? rows : undefined;
    });
    expect(rows.map((r) => [r.transaction_id, r.reasons, r.fired.map((f) => `${f.id}@${f.version}`)])).toEqual([
      [before[1]!.transaction_id, ['amount>10000XAF (amount v1)'], ['amount@1']],
      [after[0]!.transaction_id, ['amount>5000XAF (amount v2)'], ['amount@2']],
      [after[2]!.transaction_id, ['amount>5000XAF (amount v2)'], ['amount@2']],
      [still[0]!.transaction_id, ['amount>5000XAF (amount v2)'], ['amount@2']],
    ]);

    detect.proc.kill('SIGTERM');
    expect(await detect.exit, detect.output()).toBe(0);
  }, 180_000);
});
