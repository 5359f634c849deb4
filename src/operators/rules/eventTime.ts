import { parseTimestamp } from '../../timestamps.ts';
import type { Transaction } from '../../types.ts';

/**
 * The event time of a transaction, in epoch ms: the instant its `timestamp` names, read by
 * {@link parseTimestamp} (the seed's `YYYY-MM-DD HH:MM:SS` or ISO 8601; without a zone, UTC), the
 * reading `parseTransaction` checked it with: a parsed transaction always has one.
 *
 * @throws RangeError when the timestamp names no instant, which only a transaction built by hand,
 * never parsed, can have: inside an operator, the stream's error.
 */
export function eventTime(tx: Transaction): number {
  const time = parseTimestamp(tx.timestamp);
  if (typeof time === 'string') throw new RangeError(`eventTime: transaction ${tx.transaction_id} has an unparsed timestamp: ${time}`);
  return time;
}

/** The key of the rules' state: the account, or the client id when the source gives no account. */
export const accountOf = (tx: Transaction): string => tx.account ?? String(tx.id);

/** `600000` → `10min`, `90000` → `90s`, other values in ms: for reasons a human reads. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
