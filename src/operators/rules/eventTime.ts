import type { Transaction } from '../../types.ts';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The event time of a transaction, in epoch ms: its `timestamp` (`YYYY-MM-DD HH:MM:SS`) read as
 * UTC. The prototype's timestamps are local time without a zone; reading them all as UTC keeps
 * the differences between them right, which is all the rules need.
 *
 * @throws RangeError when the timestamp is not `YYYY-MM-DD HH:MM:SS`: inside an operator, the
 * stream's error.
 */
export function eventTime(tx: Transaction): number {
  const m = TIMESTAMP.exec(tx.timestamp);
  const time = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new RangeError(`eventTime: transaction ${tx.transaction_id} has timestamp "${tx.timestamp}", not YYYY-MM-DD HH:MM:SS`);
  }
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
