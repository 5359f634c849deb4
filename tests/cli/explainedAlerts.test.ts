/**
 * Explained alerts (issue 23): a real `vigie detect transactions` on a real broker and database
 * names, for each suspicious transaction, the rules that fired: id, version, the value each
 * computed and the limit it crossed, in its row (`fired` jsonb), its alert and its line of
 * `suspicious-transactions.jsonl`, alike in all three. An amount over 10 000 XAF fires `amount`
 * with the amount as its value and 10 000 as its limit; an account's sixth transaction within
 * 10 minutes fires `frequency` with the count, 6, against 5. The dashboard's Rules panel and
 * `vigie_rule_hits_total` count the same hits.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { consumeToEnd, createTopic, uniqueTopic } from '../helpers/kafka.ts';
import type { RulesMessage } from '../../src/dashboard/rulesPanel.ts';
import { killAll, until, vigie } from '../helpers/processes.ts';
import { workspace } from '../helpers/workspace.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

interface Fired {
  id: string;
  version: number;
  value: number;
  limit: number;
  reason: string;
  score: number;
}

describe('explained alerts', () => {
  it('rows, alerts and the JSONL log name each rule that fired, its version, value and limit', async () => {
    const brokers = inject('kafkaBrokers');
    const { dir, db } = await workspace('vigie-explained-', cleanups);
    const topic = uniqueTopic('transaction');
    const alerts = uniqueTopic('alerts');
    await createTopic(brokers, topic, 1);
    await createTopic(brokers, alerts, 1);

    const tx = (i: number, account: string, amount: number, second: number) => ({
      id: 1000 + i, transaction_id: 10_000 + i, amount, currency: 'XAF', timestamp: `2026-11-22 10:00:${String(second).padStart(2, '0')}`, account,
    });
    const transactions = [
      tx(0, 'ACC-A', 15_000, 0), // amount
      tx(1, 'ACC-B', 500, 1),
      tx(2, 'ACC-C', 10_000, 2), // not above the limit
      // ACC-F: its sixth within 10 minutes fires frequency; the seventh too, and its amount as well
      ...[0, 1, 2, 3, 4, 5, 6].map((k) => tx(10 + k, 'ACC-F', k === 6 ? 20_000.5 : 100 + k, 10 + k)),
    ];
    execFileSync('kcat', ['-P', '-b', brokers.join(','), '-t', topic], { input: `${transactions.map((t) => JSON.stringify(t)).join('\n')}\n` });

    const run = vigie(['detect', 'transactions', '--topic', topic, '--alerts-topic', alerts, '--kafka', brokers.join(','), '--database-url', db.url, '--data-dir', dir, '--session-timeout', '6000']);
    const rowsNow = async () => (await db.pool.query('SELECT transaction_id, reasons, fired FROM suspicious_transactions WHERE source = $1 ORDER BY source_offset', [topic])).rows as { transaction_id: number; reasons: string[]; fired: Fired[] | null }[];
    const rows = await until('the 3 suspicious rows', async () => {
      if (run.proc.exitCode !== null) throw new Error(`vigie exited (${run.proc.exitCode}): ${run.output()}`);
      const now = await rowsNow();
      return now.length >= 3 ? now : undefined;
    });
    const alertRecords = await until('the 3 alerts', async () => {
      const records = await consumeToEnd(brokers, alerts);
      return records.length >= 3 ? records : undefined;
    });
    // the dashboard and the metrics count the same hits: amount 2, frequency 2, zscore 1
    const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())![1]!;
    const metrics = await until("the rules' hits counted", async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return /^vigie_rule_hits_total\{rule="amount",version="1"\} 2$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^vigie_rule_hits_total\{rule="frequency",version="1"\} 2$/m);
    expect(metrics).toMatch(/^vigie_rule_hits_total\{rule="zscore",version="1"\} 1$/m);
    // sent at once to a page that opens, then every second: the first with the hits
    const panel = await rulesPanel(url, (rules) => rules.some((r) => r.hitsPerMinute > 0));
    expect(panel.map((r) => [r.id, r.version, r.hitsPerMinute, r.latest.map((h) => h.transactionId)])).toEqual([
      ['amount', 1, 2, [10_016, 10_000]],
      ['drain', 1, 0, []],
      ['frequency', 1, 2, [10_016, 10_015]],
      ['travel', 1, 0, []],
      ['new-country', 1, 0, []],
      ['zscore', 1, 1, [10_016]],
    ]);
    run.proc.kill('SIGTERM');
    expect(await run.exit, run.output()).toBe(0);

    const brief = (f: Fired) => ({ id: f.id, version: f.version, value: f.value, limit: f.limit });
    expect(rows.map((r) => r.transaction_id)).toEqual([10_000, 10_015, 10_016]);
    expect(rows[0]!.fired!.map(brief)).toEqual([{ id: 'amount', version: 1, value: 15_000, limit: 10_000 }]);
    expect(rows[1]!.fired!.map(brief)).toEqual([{ id: 'frequency', version: 1, value: 6, limit: 5 }]);
    // the seventh: its amount, the count, and an amount far above the account's usual ones
    const [amount, frequency, zscore, ...more] = rows[2]!.fired!;
    expect([brief(amount!), brief(frequency!)]).toEqual([{ id: 'amount', version: 1, value: 20_000.5, limit: 10_000 }, { id: 'frequency', version: 1, value: 7, limit: 5 }]);
    expect({ id: zscore!.id, version: zscore!.version, limit: zscore!.limit }).toEqual({ id: 'zscore', version: 1, limit: 3.5 });
    expect(zscore!.value).toBeGreaterThan(3.5);
    expect(more).toEqual([]);
    // each fired rule's reason is among the row's reasons, in the same order
    for (const r of rows) expect(r.fired!.map((f) => f.reason)).toEqual(r.reasons);

    // the alerts and the log hold the same, value for value
    const byTransaction = new Map(rows.map((r) => [r.transaction_id, r.fired]));
    for (const record of alertRecords) {
      const alert = JSON.parse(record.value!) as { transaction_id: number; fired: Fired[] };
      expect(alert.fired, `alert of ${alert.transaction_id}`).toEqual(byTransaction.get(alert.transaction_id));
    }
    const lines = (await readFile(join(dir, 'logs', 'suspicious-transactions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { transaction: { transaction_id: number }; fired: Fired[] });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.fired).toEqual(byTransaction.get(line.transaction.transaction_id));
  }, 120_000);
});

/** The first Rules panel the dashboard sends to a page opened now that passes `test`. */
async function rulesPanel(url: string, test: (rules: RulesMessage['rules']) => boolean): Promise<RulesMessage['rules']> {
  const controller = new AbortController();
  const reader = (await fetch(`${url}/events`, { signal: controller.signal })).body!.getReader();
  let text = '';
  try {
    for (;;) {
      // whole lines only: a chunk may end inside one
      const found = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as RulesMessage).find((m) => m.type === 'rules' && test(m.rules));
      if (found) return found.rules;
      const { value, done } = await reader.read();
      if (done) throw new Error(`the events ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
  } finally {
    controller.abort();
  }
}
