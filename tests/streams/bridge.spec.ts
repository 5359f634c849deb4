/**
 * The bridge flow under marble time, with fake sinks: which line goes where, that bad lines are
 * dead letters and never stop the stream, that sink errors and unsubscription are honoured.
 */
import { type Observable, delay, map, of, pipe } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { SerialEvent } from '../../src/adapters/serial/fromSerialPort.ts';
import { type BridgeEvent, type BridgeSinks, DECODE_SERIAL_LINE, READ_SERIAL_LINE, bridge, judgeLine } from '../../src/streams/bridge.ts';
import { PARSE_ARDUINO_LINE } from '../../src/operators/parseArduinoLine.ts';
import { takeFromEndlessSource } from '../helpers/endless.ts';
import { marbles } from '../helpers/marbles.ts';

const PATH = '/dev/ttyACM0';
const line = (text: string, offset: number, utf8 = true): SerialEvent => ({
  kind: 'line',
  line: { line: text, time: 1000 + offset, ref: { source: `serial:${PATH}`, partition: 0, offset } },
  utf8,
  rawHex: Buffer.from(text).toString('hex'),
});
const open: SerialEvent = { kind: 'status', status: 'open', detail: '9600 baud' };

// Fake sinks that write at once, one report per item, named so the output says which sink it was.
const fake = (sink: string) => map((item: unknown) => ({ sink, items: [item] }));
const sinks = { send: fake('kafka'), log: fake('pickle'), sendDead: fake('dlq'), logDead: fake('jsonl') } as unknown as BridgeSinks;

/** What an event says, shortly: `sent:humidite=45.20`, `dead-logged:no "!"...`, `status:open`. */
const short = (e: BridgeEvent): string => {
  if (e.kind === 'status') return `status:${e.status}`;
  const item = e.written.items[0] as { valueText?: string; reading?: { topic: string }; reason?: string };
  return item.reading ? `${e.kind}:${item.reading.topic}=${item.valueText}` : `${e.kind}:${item.reason}`;
};

describe('bridge', () => {
  it('sends and logs good lines, dead-letters bad ones, and goes on', marbles((m) => {
    const serial = m.cold('o-a-----b-----c-----d-----|', {
      o: open,
      a: line('humidite!45.20', 0),
      b: line('humidite 45', 1),
      c: line('a.b!7\r', 2),
      d: line('temperature!hot', 3),
    });
    const expected = m.cold('o-(ab)--(cd)--(ef)--(gh)--|', {
      o: 'status:open',
      a: 'sent:humidite=45.20',
      b: 'logged:humidite=45.20',
      c: 'dead-sent:no "!" separating topic and value',
      d: 'dead-logged:no "!" separating topic and value',
      e: 'sent:a.b=7',
      f: 'logged:a.b=7',
      g: 'dead-sent:value "hot" is not a decimal number',
      h: 'dead-logged:value "hot" is not a decimal number',
    });
    m.expect(bridge(serial, sinks).pipe(map(short))).toBeObservable(expected);
  }));

  it('waits for every sink to flush before completing', marbles((m) => {
    const serial = m.cold('-a-|', { a: line('humidite!1', 0) });
    // the pickle log takes 3 frames to write
    const delayed = { ...sinks, log: pipe(fake('pickle'), delay(3)) } as unknown as BridgeSinks;
    m.expect(bridge(serial, delayed).pipe(map((e) => e.kind))).toBeObservable('-a--(b|)', { a: 'sent', b: 'logged' });
  }));

  it('stops with the error of a sink that failed', marbles((m) => {
    const serial = m.cold('-a-b-|', { a: line('humidite!1', 0), b: line('humidite!2', 1) });
    const failing = { ...sinks, send: () => m.cold('---#', {}, new Error('broker gone')) } as unknown as BridgeSinks;
    m.expect(bridge(serial, failing).pipe(map((e) => e.kind))).toBeObservable('-l-#', { l: 'logged' }, new Error('broker gone'));
  }));

  it('unsubscribes from the serial source when unsubscribed', marbles((m) => {
    const serial = m.hot('-a-----b-----c-|', { a: line('h!1', 0), b: line('h!2', 1), c: line('h!3', 2) });
    const sub = '        ^---------!';
    m.expect(bridge(serial, sinks).pipe(map((e) => e.kind)), sub).toBeObservable('-(sl)--(sl)', { s: 'sent', l: 'logged' });
    m.expect(serial).toHaveSubscriptions(sub);
  }));

  it('sees a synchronous source whole', () => {
    const events: string[] = [];
    bridge(of(open, line('h!1', 0), line('bad', 1)), sinks).subscribe((e) => events.push(short(e)));
    expect(events).toEqual(['status:open', 'sent:h=1', 'logged:h=1', 'dead-sent:no "!" separating topic and value', 'dead-logged:no "!" separating topic and value']);
  });
});

describe('judgeLine', () => {
  it('dead-letters invalid UTF-8 with its bytes and the device path', () => {
    const event = { ...line('hum\uFFFD!1', 7, false), rawHex: '68756dff2131' } as Extract<SerialEvent, { kind: 'line' }>;
    expect(judgeLine(event)).toEqual({
      ok: false,
      dead: {
        stage: DECODE_SERIAL_LINE,
        reason: 'not valid UTF-8',
        raw: 'hum\uFFFD!1',
        rawHex: '68756dff2131',
        path: PATH,
        time: 1007,
        ref: { source: `serial:${PATH}`, partition: 0, offset: 7 },
      },
    });
  });

  it('keeps the value text as printed, and the parse stage for unparsable lines', () => {
    const good = judgeLine(line('humidite!45.10\r', 0) as Extract<SerialEvent, { kind: 'line' }>);
    expect(good.ok && [good.value.reading.topic, good.value.valueText]).toEqual(['humidite', '45.10']);
    const bad = judgeLine(line('!3', 1) as Extract<SerialEvent, { kind: 'line' }>);
    expect(!bad.ok && [bad.dead.stage, bad.dead.reason]).toEqual([PARSE_ARDUINO_LINE, 'empty topic before "!"']);
  });

  it('dead-letters a line cut at the limit, saying how long it was', () => {
    const event = { ...line('xxxx', 9), tooLong: { length: 10_485_760, limit: 4 } } as Extract<SerialEvent, { kind: 'line' }>;
    const judged = judgeLine(event);
    expect(!judged.ok && [judged.dead.stage, judged.dead.reason, judged.dead.raw, judged.dead.rawHex]).toEqual([
      READ_SERIAL_LINE,
      'line of 10485760 bytes is longer than the limit of 4 bytes (--max-line-bytes); its first 4 kept',
      'xxxx',
      '78787878',
    ]);
  });
});

describe('bridge, synchronously', () => {
  it('stops a synchronous source of lines as soon as the consumer has enough', () => {
    const flow = (serial$: Observable<SerialEvent>) => bridge(serial$, sinks);
    const { outputs, produced } = takeFromEndlessSource(flow, (i) => line(i % 2 === 0 ? 'humidite!45' : 'oops', i), 4);
    expect(outputs.map(short)).toEqual(['sent:humidite=45', 'logged:humidite=45', 'dead-sent:no "!" separating topic and value', 'dead-logged:no "!" separating topic and value']);
    expect(produced).toBe(2);
  });
});
