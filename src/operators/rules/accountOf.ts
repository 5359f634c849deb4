/** The key of the rules' state: the account, or the client id when the source gives no account (the rule language's, one definition). */
export { accountKey as accountOf } from '../../rules/compile.ts';
