/**
 * A serial device (an Arduino on USB, or a socat pty) as an Observable of lines, that survives the
 * device being unplugged: a board that resets or a cable that is pulled must not stop the bridge,
 * so the port is reopened with backoff, for ever, until unsubscribed, and the subscriber is told.
 *
 * Lines are split on `\n` (a trailing `\r` is dropped), each at most `maxLineBytes` long (see
 * ./lineSplitter.ts: a longer line comes out cut, flagged `tooLong`), and kept as bytes until decoded: UTF-8 decoding with `'utf8'` silently turns bad bytes into U+FFFD, so a
 * line that is not valid UTF-8 is flagged (`utf8: false`) and its exact bytes kept in `rawHex`,
 * for a dead letter to show what the device really sent.
 *
 * ```
 * device:   -a-b----(unplugged)-----(back)-c-|
 * output:   O-A-B---C--R----R-------O------C'
 *
 * O = { kind: 'status', status: 'open' }      A = { kind: 'line', line: { line: 'a', ... } }
 * C = { kind: 'status', status: 'closed' }    R = { kind: 'status', status: 'reconnecting' }
 * ```
 *
 * What the device sends while no port is open is lost (nothing reads it), and so is an incomplete
 * line when the device goes: it would otherwise be glued to the first line after the reconnect.
 * Offsets number the lines of a path for the whole process, across reconnects.
 */
import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { SerialPort } from 'serialport';
import { VigieError } from '../../errors.ts';
import { type RetryPolicy, backoffDelay, retryPolicy } from '../../retry.ts';
import type { TimedLine } from '../../types.ts';
import { LineSplitter, type SplitLine } from './lineSplitter.ts';

export type SerialStatus = 'open' | 'closed' | 'reconnecting';

export interface SerialLineEvent {
  readonly kind: 'line';
  /** The text without `\r\n`; for invalid UTF-8, a lossy decoding (U+FFFD for bad bytes). */
  readonly line: TimedLine;
  /** False when the bytes are not valid UTF-8: `line.line` is then not what the device sent. */
  readonly utf8: boolean;
  /** The line's exact bytes, in hex (without `\r\n`). */
  readonly rawHex: string;
  /** Only for a line longer than the limit: `line` and `rawHex` then hold its first `limit` bytes. */
  readonly tooLong?: { readonly length: number; readonly limit: number };
}

export interface SerialStatusEvent {
  readonly kind: 'status';
  readonly status: SerialStatus;
  /** For people: why, and when the next attempt is. */
  readonly detail: string;
}

export type SerialEvent = SerialLineEvent | SerialStatusEvent;

export interface FromSerialPortOptions {
  readonly path: string;
  readonly baudRate?: number;
  /** The backoff between attempts to (re)open; 100 ms doubling to 2 s by default. Retries never stop. */
  readonly retry?: Partial<Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>>;
  /** Times the retries and stamps the lines. */
  readonly scheduler?: SchedulerLike;
  /** Told of every status change. */
  readonly log?: (line: string) => void;
  /** The longest line kept, in bytes (4 KiB by default); a longer one comes out cut and flagged. */
  readonly maxLineBytes?: number;
}

// Per path, for the whole process: a reconnect or a second subscription must not reuse an offset.
const lineCounts = new Map<string, number>();

export function fromSerialPort({ path, baudRate = 9600, retry, scheduler = asyncScheduler, log, maxLineBytes = 4096 }: FromSerialPortOptions): Observable<SerialEvent> {
  if (!(Number.isInteger(maxLineBytes) && maxLineBytes > 0)) {
    throw new VigieError('CONFIG_INVALID', `maxLineBytes: expected a positive integer, got ${maxLineBytes}`, { where: { port: path } });
  }
  const policy = retryPolicy({ initialDelayMs: 100, maxDelayMs: 2_000, factor: 2, jitter: 0.2, ...retry });
  const source = `serial:${path}`;
  return new Observable<SerialEvent>((subscriber) => {
    let closed = false;
    let attempt = 0;
    let port: SerialPort | null = null;
    let timer: { unsubscribe(): void } | null = null;

    const status = (s: SerialStatus, detail: string): void => {
      log?.(`serial ${path}: ${s} (${detail})`);
      subscriber.next({ kind: 'status', status: s, detail });
    };
    const retryLater = (why: string): void => {
      if (closed) return;
      attempt += 1;
      const delay = backoffDelay(policy, attempt);
      status('reconnecting', `${why}; attempt ${attempt} in ${delay} ms`);
      timer = scheduler.schedule(open, delay);
    };
    const emitLine = ({ bytes, length }: SplitLine): void => {
      const cut = length > bytes.length;
      const body = !cut && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
      let text: string;
      let utf8 = true;
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
      } catch {
        text = body.toString('utf8');
        utf8 = false;
      }
      const offset = lineCounts.get(path) ?? 0;
      lineCounts.set(path, offset + 1);
      const line: TimedLine = { line: text, time: scheduler.now(), ref: { source, partition: 0, offset } };
      const rawHex = body.toString('hex');
      subscriber.next(cut ? { kind: 'line', line, utf8, rawHex, tooLong: { length, limit: maxLineBytes } } : { kind: 'line', line, utf8, rawHex });
    };

    function open(): void {
      timer = null;
      if (closed) return;
      const current = new SerialPort({ path, baudRate, autoOpen: false });
      // One per opening: on a loss it is dropped with its incomplete line instead of flushing it.
      const splitter = new LineSplitter(maxLineBytes);
      let lost = false;
      const lose = (why: string): void => {
        if (lost) return;
        lost = true;
        if (port === current) port = null;
        if (current.isOpen) current.close(() => {});
        if (closed) return;
        status('closed', why);
        retryLater(why);
      };
      current.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) if (!closed && port === current) emitLine(line);
      });
      current.on('close', (error?: Error | null) => lose(error ? `closed: ${error.message}` : 'closed'));
      current.on('error', (error: Error) => lose(`error: ${error.message}`));
      port = current;
      current.open((error) => {
        if (closed) {
          if (!error && current.isOpen) current.close(() => {});
          return;
        }
        if (error) {
          lost = true; // never opened: nothing to close, no 'closed' status
          if (port === current) port = null;
          retryLater(`cannot open: ${error.message}`);
          return;
        }
        attempt = 0;
        status('open', `${baudRate} baud`);
      });
    }

    open();
    return () => {
      closed = true;
      timer?.unsubscribe();
      timer = null;
      if (port?.isOpen) port.close(() => {});
      port = null;
    };
  });
}
