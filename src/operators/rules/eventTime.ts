import { VigieError } from '../../errors.ts';
import { parseTimestamp } from '../../timestamps.ts';
import type { Transaction } from '../../types.ts';

/**
 * The event time of a transaction, in epoch ms: the instant its `timestamp` names, read by
 * {@link parseTimestamp} (the seed's `YYYY-MM-DD HH:MM:SS` or ISO 8601; without a zone, UTC), the
 * reading `parseTransaction` checked it with: a parsed transaction always has one.
 *
 * @throws VigieError `TIMESTAMP_INVALID` when the timestamp names no instant, which only a
 * transaction built by hand, never parsed, can have: inside an operator, the stream's error.
 */
export function eventTime(tx: Transaction): number {
  const time = parseTimestamp(tx.timestamp);
  if (typeof time === 'string') {
    throw new VigieError('TIMESTAMP_INVALID', `eventTime: an unparsed timestamp: ${time}`, { where: { transaction: tx.transaction_id } });
  }
  return time;
}
