import { Observable, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { PARSE_ARDUINO_LINE, parseArduinoLine, parseTimedLine } from '../../src/operators/parseArduinoLine.ts';
import type { TimedLine } from '../../src/types.ts';
import { marbles } from '../helpers/marbles.ts';

const ref = (offset: number) => ({ source: 'test', partition: 0, offset });
const at = (line: string, offset = 0): TimedLine => ({ line, time: 1_000 + offset, ref: ref(offset) });
const ok = (l: TimedLine, topic: string, value: number) => ({ ok: true, value: { topic, value, time: l.time, ref: l.ref } }) as const;
const dead = (l: TimedLine, reason: string) => ({
  ok: false,
  dead: { stage: PARSE_ARDUINO_LINE, reason, raw: l.line, ref: l.ref, time: l.time },
}) as const;

describe('parseArduinoLine', () => {
  const a = at('humidite!45.2', 0);
  const b = at('a.b_c-d!7', 1);
  const c = at('humidite 45.2', 2);

  it('parses good lines and turns bad ones into dead letters, in order', marbles((m) => {
    const source = m.cold('-a-----b-----c--|', { a, b, c });
    const expected = /*  */ '-A-----B-----C--|';
    m.expect(source.pipe(parseArduinoLine())).toBeObservable(expected, {
      A: ok(a, 'humidite', 45.2),
      B: ok(b, 'a.b_c-d', 7),
      C: dead(c, 'no "!" separating topic and value'),
    });
  }));

  it('passes an error on', marbles((m) => {
    m.expect(m.cold('-a-#', { a }).pipe(parseArduinoLine())).toBeObservable('-A-#', { A: ok(a, 'humidite', 45.2) });
  }));

  it('stops the source when unsubscribed', marbles((m) => {
    const source = m.hot('-a-a-a-a-|', { a });
    const subs = /*    */ '^--!';
    m.expect(source.pipe(parseArduinoLine()), subs).toBeObservable('-A--', { A: ok(a, 'humidite', 45.2) });
    m.expect(source).toHaveSubscriptions(subs);
  }));

  it('stops a synchronous infinite source once the consumer has enough', () => {
    let produced = 0;
    const lines = new Observable<TimedLine>((s) => {
      while (!s.closed) s.next(at(`t!${produced++}`, produced));
    });
    let got: unknown[] = [];
    lines.pipe(parseArduinoLine(), take(3), toArray()).subscribe((all) => (got = all));
    expect(got).toHaveLength(3);
    expect(produced).toBe(3);
  });

  it.each([
    ['humidite!45.2\r', 'humidite', 45.2],
    ['temperature!-3', 'temperature', -3],
    ['x!1e3', 'x', 1000],
    ['x! 12.5 ', 'x', 12.5],
    ['x!.5', 'x', 0.5],
    ['Room-2.temp_C!4', 'Room-2.temp_C', 4],
    [`${'t'.repeat(249)}!1`, 't'.repeat(249), 1],
  ])('reads %j as topic %j, value %j', (line, topic, value) => {
    const l = at(line);
    expect(parseTimedLine(l)).toStrictEqual(ok(l, topic, value));
  });

  it.each([
    ['45.2', 'no "!" separating topic and value'],
    ['!45.2', 'empty topic before "!"'],
    ['humidite!', 'value "" is not a decimal number'],
    ['humidite!abc', 'value "abc" is not a decimal number'],
    ['humidite!0x10', 'value "0x10" is not a decimal number'],
    ['humidite!Infinity', 'value "Infinity" is not a decimal number'],
    ['humidite!NaN', 'value "NaN" is not a decimal number'],
    ['humidite!1e999', 'value "1e999" is not finite'],
    ['humidite!4 5', 'value "4 5" is not a decimal number'],
    // topics Kafka refuses, which made the whole batch's send fail and the bridge exit
    ['bad topic!1.0', 'topic "bad topic" has a character Kafka does not allow (only a-z A-Z 0-9 . _ -)'],
    ['un!deux!4', 'topic "un!deux" has a character Kafka does not allow (only a-z A-Z 0-9 . _ -)'],
    ['humidité!50', 'topic "humidité" has a character Kafka does not allow (only a-z A-Z 0-9 . _ -)'],
    [`${'t'.repeat(250)}!1`, 'topic of 250 characters is longer than Kafka allows (249)'],
    ['.!1', 'topic "." is not allowed by Kafka'],
    ['..!1', 'topic ".." is not allowed by Kafka'],
  ])('rejects %j: %s', (line, reason) => {
    const l = at(line);
    expect(parseTimedLine(l)).toStrictEqual(dead(l, reason));
  });
});

describe('parseTimedLine on bytes that are not UTF-8', () => {
  it('dead-letters the line, keeping its exact bytes, even when its text would parse', () => {
    const bytes = Buffer.from([0x68, 0x21, 0x34, 0xff]); // h!4 then a byte no UTF-8 text holds
    const line: TimedLine = { line: 'h!4\ufffd', time: 1, ref: ref(9), bytes };
    expect(parseTimedLine(line)).toStrictEqual({ ok: false, dead: { stage: PARSE_ARDUINO_LINE, reason: 'not valid UTF-8', raw: 'h!4\ufffd', bytes, ref: ref(9), time: 1 } });
  });
});
