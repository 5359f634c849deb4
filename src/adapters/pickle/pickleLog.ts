/**
 * A log that Python reads with `pickle.load(open(path, 'rb'))`, as the prototype's logs were,
 * but appended in constant work per batch (the file is never rewritten) and crash-safe: a
 * process killed at any moment leaves a file that still loads, holding every batch whose
 * `append` resolved, and at most the batch in progress beyond them.
 *
 * The file is one pickled list: `PROTO 2`, `EMPTY_LIST`, `MARK` items `APPENDS` per batch,
 * `STOP`. `pickle.load` stops at the first STOP and ignores what follows, so an append is two
 * writes, each of which leaves a loadable file:
 *
 * ```
 * before:   ... e .                   stop = s
 * write 1:  ... e . items e .         the new batch after the STOP: still loads as before
 * write 2:  ... e ( items e .         one byte, STOP -> MARK: the batch is in; stop = end - 1
 * ```
 *
 * Opening a log scans it (one pass, see scan.ts) and drops the bytes after the STOP when they are
 * the torn or complete tail of an append that never resolved: its items were never reported
 * written, so a source will replay them, and keeping them would log them twice. A file that is
 * not such a log is never changed: opening it fails with `PICKLE_CORRUPT`. An empty file (a
 * crash between creating and first writing one) is a new log.
 *
 * Without `fsync`, this holds for processes that crash or are killed: the kernel keeps the
 * writes in order. For power loss, `fsync: true` syncs after each write (write 2 must not
 * reach the disk before write 1), at the cost of two syncs per batch.
 *
 * One writer per file: two processes appending to the same log would overwrite each other.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { VigieError } from '../../errors.ts';
import { EMPTY_LOG, OP, type PyTuple, encodeBatch } from './encode.ts';
import { scanList, scanTail } from './scan.ts';

export interface PickleLogOptions {
  /** Sync to disk after each of an append's two writes, to survive power loss too. Default false. */
  readonly fsync?: boolean;
}

export interface PickleLog {
  readonly path: string;
  /** How many records the log holds: those there on opening and those appended since. */
  readonly records: number;
  /**
   * Appends one batch; resolves once it is in the file. Appends run one at a time, in call order.
   * After a failed write the log refuses further appends: reopen it, which drops the torn batch.
   */
  append(tuples: readonly PyTuple[]): Promise<void>;
  /** Waits for pending appends, then closes the file. */
  close(): Promise<void>;
}

const MARK_BYTE = Buffer.from([OP.MARK]);

/** Opens the pickle log at `path`, creating it (and its directories) if needed. */
export async function openPickleLog(path: string, options: PickleLogOptions = {}): Promise<PickleLog> {
  const fsync = options.fsync ?? false;
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const { stop, records } = await recover(file, path, fsync);
    return createLog(path, file, stop, records, fsync);
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Finds the list's STOP, drops an interrupted append after it; refuses a file that is not a log. */
async function recover(file: FileHandle, path: string, fsync: boolean): Promise<{ stop: number; records: number }> {
  const { size } = await file.stat();
  if (size === 0) {
    await writeAll(file, EMPTY_LOG, 0);
    if (fsync) await file.sync();
    return { stop: EMPTY_LOG.length - 1, records: 0 };
  }
  const corrupt = (reason: string, at: number): VigieError =>
    new VigieError('PICKLE_CORRUPT', `not a pickle log vigie can append to: ${reason}`, { where: { file: path, offset: at } });
  const list = await scanList(file, size);
  if (list.kind === 'eof') throw corrupt('the file ends before the list is closed by a STOP (truncated?)', size);
  if (list.kind === 'bad') throw corrupt(list.reason, list.at);
  const tail = await scanTail(file, size, list.at);
  if (tail.kind === 'bad') throw corrupt(tail.reason, tail.at);
  if (tail.kind === 'stop' && tail.at !== size - 1) throw corrupt("data after an append's STOP", tail.at + 1);
  if (size > list.at + 1) {
    await file.truncate(list.at + 1);
    if (fsync) await file.datasync();
  }
  return { stop: list.at, records: list.records };
}

function createLog(path: string, file: FileHandle, stop: number, records: number, fsync: boolean): PickleLog {
  let queue: Promise<void> = Promise.resolve();
  let failure: VigieError | null = null;
  let closing: Promise<void> | null = null;

  const write = async (body: Buffer, count: number): Promise<void> => {
    if (failure) throw failure;
    try {
      await writeAll(file, body, stop + 1);
      if (fsync) await file.datasync();
      await writeAll(file, MARK_BYTE, stop);
      if (fsync) await file.datasync();
    } catch (cause) {
      // The tail may be torn, and whether the MARK is in is unknown: only a reopen can tell.
      failure = new VigieError('SINK_WRITE_FAILED', 'cannot append to the pickle log; reopen it to go on', {
        where: { file: path },
        cause,
      });
      throw failure;
    }
    stop += body.length;
    records += count;
  };

  return {
    path,
    get records() {
      return records;
    },
    append(tuples) {
      if (closing) return Promise.reject(new VigieError('SINK_WRITE_FAILED', 'the pickle log is closed', { where: { file: path } }));
      if (tuples.length === 0) return queue;
      let body: Buffer;
      try {
        body = encodeBatch(tuples); // now, so the caller may reuse its arrays; a bad value writes nothing
      } catch (error) {
        return Promise.reject(error);
      }
      const done = queue.then(() => write(body, tuples.length));
      queue = done.catch(() => undefined); // one failed append must not skip the queue's later ones
      return done;
    },
    close() {
      closing ??= queue.then(() => file.close());
      return closing;
    },
  };
}

async function writeAll(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten === 0) throw new Error('write wrote nothing');
    done += bytesWritten;
  }
}
