import type { Transaction } from '../../types.ts';

/** The key of the rules' state: the account, or the client id when the source gives no account. */
export const accountOf = (tx: Transaction): string => tx.account ?? String(tx.id);
