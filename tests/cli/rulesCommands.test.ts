/**
 * `vigie rules list|add|disable|remove` against a real broker: add checks every rule of its file
 * and sends none when one is invalid (exit 1, each reason named); the changes it, disable and
 * remove send are what list then shows, from the default rules and the topic together.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { consumeToEnd, uniqueTopic } from '../helpers/kafka.ts';
import { killAll, vigie } from '../helpers/processes.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  killAll();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
});

async function run(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const p = vigie(args);
  const code = await p.exit;
  return { code, output: p.output() };
}

interface Listed {
  readonly id: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly from: string | null;
  readonly source: string;
}

describe('vigie rules', () => {
  it('adds only valid files, disables, removes, and lists the rules in force', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = uniqueTopic('rules-commands');
    const flags = ['--kafka', brokers.join(','), '--rules-topic', topic];
    const dir = await mkdtemp(join(tmpdir(), 'vigie-rules-commands-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const amountV2 = { id: 'amount', version: 2, value: { field: 'amount' }, compare: '>', limit: 5000, description: 'all currencies above 5 000' };
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ rules: [amountV2, { ...amountV2, id: 'big', compare: '~' }, { ...amountV2, id: 'old', version: 0 }] }));

    const refused = await run(['rules', 'add', bad, ...flags]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`${bad}: nothing sent, 2 rules are invalid:`);
    expect(refused.output).toContain('rules.1 (big): compare: ');
    expect(refused.output).toContain('rules.2 (old): version: ');

    const good = join(dir, 'amount.json');
    await writeFile(good, JSON.stringify(amountV2));
    const added = await run(['rules', 'add', good, ...flags]);
    expect(added.code, added.output).toBe(0);
    expect(added.output).toContain(`sent amount v2 to ${topic}/0@0`);
    expect((await run(['rules', 'disable', 'frequency', ...flags])).output).toContain(`sent frequency v2 (disabled) to ${topic}/0@1`);
    expect((await run(['rules', 'remove', 'zscore', ...flags])).output).toContain(`sent removal of zscore to ${topic}/0@2`);
    const unknown = await run(['rules', 'remove', 'nope', ...flags]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('no rule nope in force; in force: amount, drain, frequency, travel, new-country');

    // nothing of the refused file reached the topic; the three changes did
    expect((await consumeToEnd(brokers, topic)).map((r) => [r.key, r.value === null ? null : (JSON.parse(r.value) as { version: number }).version])).toEqual([
      ['amount', 2],
      ['frequency', 2],
      ['zscore', null],
    ]);

    const listed = await run(['rules', 'list', ...flags, '--json']);
    expect(listed.code, listed.output).toBe(0);
    const rules = JSON.parse(listed.output) as Listed[];
    expect(rules.map((r) => [r.id, r.version, r.enabled, r.source])).toEqual([
      ['amount', 2, true, `${topic}/0@0`],
      ['drain', 1, true, 'file rules/default.json'],
      ['frequency', 2, false, `${topic}/0@1`],
      ['travel', 1, true, 'file rules/default.json'],
      ['new-country', 1, true, 'file rules/default.json'],
    ]);
    expect(rules[0]!.from).toMatch(/^\d{4}-\d\d-\d\dT/);
    const table = await run(['rules', 'list', ...flags]);
    expect(table.output.split('\n')[0]).toMatch(/^id\s+version\s+enabled\s+from\s+source\s+description$/);
    expect(table.output).toMatch(/amount\s+2\s+yes\s+\S+\s+\S+\s+all currencies above 5 000/);

    // the set in force at an event time: before the changes, the default rules; between the
    // amount's and the removal of zscore, amount v2 and zscore still there
    const at = async (time: string) => (JSON.parse((await run(['rules', 'list', ...flags, '--json', '--at', time])).output) as Listed[]).map((r) => `${r.id}@${r.version}${r.enabled ? '' : '-off'}`);
    expect(await at('2000-01-01T00:00:00Z')).toEqual(['amount@1', 'drain@1', 'frequency@1', 'travel@1', 'new-country@1', 'zscore@1']);
    const amountFrom = rules[0]!.from!;
    expect(await at(amountFrom)).toEqual(expect.arrayContaining(['amount@2', 'zscore@1']));
    expect(await at('2999-01-01T00:00:00Z')).toEqual(['amount@2', 'drain@1', 'frequency@2-off', 'travel@1', 'new-country@1']);
    const wrong = await run(['rules', 'list', ...flags, '--at', 'yesterday']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain('--at: expected an ISO 8601 time such as 2026-12-07T10:30:00Z, got "yesterday"');
  }, 120_000);
});
