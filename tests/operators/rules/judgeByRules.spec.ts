/**
 * judgeByRules: the rule language's rules, judged on arrival, while the rule book changes. The
 * book's versions hold from an event time, so what a transaction meets depends on its own event
 * time, not on when it arrived: the same decisions at any speed and after a restart.
 */
import { describe, expect, it } from 'vitest';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { RulesStore } from '../../../src/operators/rules/decideOnArrival.ts';
import { judgeByRules } from '../../../src/operators/rules/judgeByRules.ts';
import type { Judged } from '../../../src/operators/rules/judged.ts';
import { RuleBook } from '../../../src/rules/ruleBook.ts';
import type { Rule } from '../../../src/rules/schema.ts';
import type { TransactionRecord } from '../../../src/types.ts';
import { takeFromEndlessSource } from '../../helpers/endless.ts';
import { marbles } from '../../helpers/marbles.ts';
import { at, restoredCopy, tx } from './records.ts';

const amount: Rule = { id: 'amount', version: 1, value: { field: 'amount' }, compare: '>', limit: { by: 'currency', limits: { XAF: 10_000 } }, reason: 'amount>{limit}{currency}' };
const frequency = (version: number, limit: number): Rule => ({
  id: 'frequency',
  version,
  value: { aggregate: 'count', window: '10min' },
  compare: '>',
  limit,
  reason: 'frequency>{limit}/{window}',
});
const eventTime = (seconds: number): number => Date.parse(`${at(seconds).replace(' ', 'T')}Z`);

/** Each judgement as `offset:reason@version` for the rules that fired. */
const fired = (out: readonly Judged[]): string[] => out.map((j) => `${j.record.ref.offset}:${(j.fired ?? []).map((f) => `${f.reason}@${f.version}`).join(',')}`);

describe('judgeByRules', () => {
  const a = tx(0, 0, { amount: 100 });
  const b = tx(1, 10, { amount: 15_000 });
  const c = tx(2, 20, { amount: 95 });

  it('judges each record, naming the rules that fired with their versions, values and limits (the doc example)', marbles((m) => {
    const book = RuleBook.of([amount]);
    m.expect(m.cold('-a-b-c-|', { a, b, c }).pipe(judgeByRules(book))).toBeObservable('-A-B-C-|', {
      A: { record: a, reasons: [], score: 0, late: false },
      B: { record: b, reasons: ['amount>10000XAF'], score: 1.5, late: false, fired: [{ id: 'amount', version: 1, value: 15_000, limit: 10_000, reason: 'amount>10000XAF', score: 1.5 }] },
      C: { record: c, reasons: [], score: 0, late: false },
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(judgeByRules(RuleBook.of([amount])))).toBeObservable('-A-#', { A: { record: a, reasons: [], score: 0, late: false } });
  }));

  it('sends a throw while judging to the stream as an error', () => {
    // a transaction built by hand with a timestamp naming no instant: eventTime throws
    const broken = { ...a, transaction: { ...a.transaction, timestamp: 'yesterday' } };
    const seen: unknown[] = [];
    from([a, broken, c]).pipe(judgeByRules(RuleBook.of([frequency(1, 5)]))).subscribe({ next: (j) => seen.push(j.record.ref.offset), error: (e: { code?: string }) => seen.push(e.code) });
    expect(seen).toEqual([0, 'TIMESTAMP_INVALID']);
  });

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-b-c-|', { a, b, c });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(judgeByRules(RuleBook.of([amount]))), subs).toBeObservable('-A-', { A: { record: a, reasons: [], score: 0, late: false } });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops an endless synchronous source once the consumer has enough', () => {
    const { outputs, produced } = takeFromEndlessSource(judgeByRules(RuleBook.of([frequency(1, 5)])), (i) => tx(i, i * 60), 3);
    expect(outputs).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it('judges by the version in force at each transaction\'s event time; a new limit keeps the windows', async () => {
    const book = RuleBook.of([frequency(1, 5)]);
    const records = new Subject<TransactionRecord>();
    const out: Judged[] = [];
    records.pipe(judgeByRules(book)).subscribe((j) => out.push(j));
    // 5 transactions a minute apart: none above 5 in 10 min
    for (let i = 0; i < 5; i++) records.next(tx(i, i * 60));
    // the limit lowered to 3 from the 6th minute: the window already holds 5, the 6th makes 6 > 3
    expect(book.applyRaw('frequency', JSON.stringify(frequency(2, 3)), eventTime(300), 'test').accepted).toBe(true);
    records.next(tx(5, 300));
    // raised to 10 (version 3) from minute 7: 7 in the window, not above 10
    expect(book.applyRaw('frequency', frequency(3, 10), eventTime(420), 'test').accepted).toBe(true);
    records.next(tx(6, 420));
    expect(fired(out)).toEqual(['0:', '1:', '2:', '3:', '4:', '5:frequency>3/10min@2', '6:']);
  });

  it('refuses an invalid change and an older version, and the rules in force go on as they were', () => {
    const book = RuleBook.of([frequency(2, 5)]);
    const refused = book.applyRaw('frequency', '{"id":"frequency","version":3,"value":{"aggregate":"count","window":"10 minutes"},"compare":">","limit":3}', 0, 'test');
    expect(refused).toMatchObject({ accepted: false, reason: 'value.window: expected a duration such as 500ms, 10s, 10min, 1h or 30d' });
    expect(book.applyRaw('frequency', frequency(1, 1), 0, 'test')).toMatchObject({ accepted: false, reason: 'version 1 is below 2, the one in force' });
    expect(book.applyRaw('frequency', { ...frequency(2, 1) }, 0, 'test')).toMatchObject({ accepted: false, reason: 'version 2 is already in force with another definition: raise the version' });
    expect(book.list().map((v) => `${v.id}@${v.rule!.version}:${JSON.stringify(v.rule!.rule.limit)}`)).toEqual(['frequency@2:5']);
  });

  it('starts a new rule empty, drops a removed one, and a new window shape starts afresh', async () => {
    const book = RuleBook.of([]);
    const store = new RulesStore('rules');
    const records = new Subject<TransactionRecord>();
    const out: Judged[] = [];
    records.pipe(judgeByRules(book, { store })).subscribe((j) => out.push(j));
    records.next(tx(0, 0));
    records.next(tx(1, 60));
    // added from minute 2: it has not counted the first two
    book.applyRaw('frequency', frequency(1, 1), eventTime(120), 'test');
    records.next(tx(2, 120));
    records.next(tx(3, 180));
    // a window of 1 min (another shape): its state starts empty again
    book.applyRaw('frequency', { ...frequency(2, 1), value: { aggregate: 'count', window: '1min' } }, eventTime(240), 'test');
    records.next(tx(4, 240));
    records.next(tx(5, 250));
    // removed: judges nothing from minute 5, and its state goes with the account's next transaction
    book.applyRaw('frequency', null, eventTime(300), 'test');
    records.next(tx(6, 300));
    expect(fired(out)).toEqual(['0:', '1:', '2:', '3:frequency>1/10min@1', '4:', '5:frequency>1/1min@2', '6:']);
    const account = store.accounts.partition('test', 0).get('A') as { tip?: readonly Record<string, unknown>[]; base: readonly Record<string, unknown>[] };
    expect(Object.keys((account.tip ?? account.base)[0]!)).toEqual([]);
  });

  it('keeps a rule keyed by the terminal in a stage of its own: a terminal used by a third account within 10 min', () => {
    const shared: Rule = { id: 'shared-terminal', version: 1, key: 'terminal', value: { aggregate: 'distinct', field: 'account', window: '10min' }, compare: '>', limit: 2, reason: 'terminal-accounts>{limit}' };
    const book = RuleBook.of([amount, shared]);
    const store = new RulesStore('rules');
    const input = [tx(0, 0, { account: 'A', terminal: 'T1' }), tx(1, 60, { account: 'B', terminal: 'T1' }), tx(2, 90, { account: 'C', terminal: 'T2' }), tx(3, 120, { account: 'C', terminal: 'T1', amount: 20_000 }), tx(4, 130)];
    const out: Judged[] = [];
    from(input).pipe(judgeByRules(book, { store })).subscribe((j) => out.push(j));
    expect(fired(out)).toEqual(['0:', '1:', '2:', '3:amount>10000XAF@1,terminal-accounts>2@1', '4:']);
    expect(out[3]!.fired!.map((f) => f.value)).toEqual([20_000, 3]);
    // its state under its own store, by terminal; the accounts' store has none of it
    expect(store.stores.map((s) => s.name)).toEqual(['rules', 'rules-held', 'rules-by-terminal', 'rules-by-terminal-held']);
    expect([...store.stage('terminal').accounts.partition('test', 0).entries()].map(([key]) => key).sort()).toEqual(['', 'T1', 'T2']);
    // a rule keyed by a key the flow was not built with is refused while it runs
    expect(book.applyRaw('by-channel', { ...shared, id: 'by-channel', key: 'channel' }, 0, 'test')).toMatchObject({
      accepted: false,
      reason: 'key: channel is not a key this flow keeps state by (account, terminal); start it with that key among its rule keys (--rule-keys), or key the rule by the account',
    });
  });

  it('takes a rule keyed by a terminal while it runs when built with that key (--rule-keys), and judges by it at once', () => {
    const book = RuleBook.of([amount]);
    const out: Judged[] = [];
    const records = new Subject<TransactionRecord>();
    records.pipe(judgeByRules(book, { keys: ['terminal'] })).subscribe((j) => out.push(j));
    records.next(tx(0, 0, { account: 'A', terminal: 'T1' }));
    const shared = { id: 'shared-terminal', version: 1, key: 'terminal', value: { aggregate: 'count', window: '10min' }, compare: '>', limit: 1 };
    expect(book.applyRaw('shared-terminal', shared, eventTime(30), 'test').accepted).toBe(true);
    records.next(tx(1, 60, { account: 'B', terminal: 'T1' }));
    records.next(tx(2, 90, { account: 'C', terminal: 'T1' }));
    // a new rule starts empty: from its time, T1 has 1 then 2 transactions
    expect(fired(out)).toEqual(['0:', '1:', '2:shared-terminal@1']);
  });

  it('gives the same decisions across a restart from a checkpoint as one uninterrupted run', async () => {
    const book = (): RuleBook =>
      RuleBook.of([
        amount,
        frequency(1, 2),
        { id: 'per-terminal', version: 1, key: ['account', 'terminal'], value: { aggregate: 'sum', field: 'amount', window: '1h' }, compare: '>', limit: 20_000 },
        { id: 'terminal-rate', version: 1, key: 'terminal', value: { aggregate: 'count', window: '5min' }, compare: '>', limit: 8 },
      ]);
    const input = Array.from({ length: 120 }, (_, i) => tx(i, 300 + i * 10 - ((i * 5) % 7) * 30, { account: `A${i % 4}`, terminal: `T${i % 3}`, amount: 1000 + ((i * 7919) % 12_000) }));
    const run = (records: TransactionRecord[], store?: RulesStore) => lastValueFrom(from(records).pipe(judgeByRules(book(), { allowedLatenessMs: 300_000, ...(store ? { store } : {}) }), toArray()));
    const whole = await run(input);
    expect(whole.some((j) => (j.revision ?? 0) > 0)).toBe(true);
    expect(whole.some((j) => j.fired?.some((f) => f.id === 'per-terminal'))).toBe(true);
    expect(whole.some((j) => (j.revision ?? 0) > 0 && j.fired?.some((f) => f.id === 'terminal-rate'))).toBe(true);
    const store = new RulesStore('rules');
    const before = await run(input.slice(0, 60), store);
    const after = await run(input.slice(60), restoredCopy(store, 60));
    expect([...before, ...after]).toEqual(whole);
  });
});
