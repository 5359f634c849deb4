/**
 * One record of the `transaction.labels` topic read as a {@link Label}: a confirmed fraud, a
 * chargeback or an analyst's verdict on a transaction, arriving days after it. The value is the
 * label's JSON (UTF-8), the key its account (labels are co-partitioned with the transactions).
 *
 * ```
 * key: "ACC-12"  value: {"transaction_id":56789,"account":"ACC-12","label":"fraud","at":"2026-12-07T10:00:00Z","source":"chargebacks"}
 * ```
 *
 * The simulated bank's labels (`vigie simulate bank --kafka`) are read too: see {@link simulatedSchema}.
 *
 * Nothing a record holds may stop the reader: bytes that are not UTF-8, not JSON, a field missing
 * or out of its column's range, or a key that is not the label's account are a dead letter with
 * the exact bytes and the reason, and the reader goes on.
 */
import { z } from 'zod';
import { parseTimestamp } from '../../timestamps.ts';
import type { DeadLetter, LabelKind, Parsed, SourceRef } from '../../types.ts';

/** The stage name a refused label's dead letter carries. */
export const PARSE_LABEL = 'parse-label';

/** What a label says of a transaction. */
export const LABEL_KINDS = ['fraud', 'chargeback', 'verdict-fraud', 'verdict-genuine'] as const satisfies readonly LabelKind[];

/** A label of a transaction, as the topic carries it, with where it came from. */
export interface Label {
  readonly transaction_id: number;
  readonly account: string;
  readonly label: LabelKind;
  /** When the label became known (epoch ms): a feature counts it from then on only. */
  readonly at: number;
  /** Who labelled it: `chargebacks`, `analyst:alice`, ... */
  readonly source: string;
  /** The terminal of the transaction, when the labeller knows it (for per-terminal features). */
  readonly terminal?: string;
  readonly ref: SourceRef;
}

/** Whether a label says the transaction was a fraud (a genuine verdict says it was not). */
export const isFraudLabel = (label: Pick<Label, 'label'>): boolean => label.label !== 'verdict-genuine';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });

/** Text PostgreSQL stores as given: no NUL character, no lone UTF-16 surrogate. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'contains a NUL character (\\u0000), which PostgreSQL text cannot hold')
    .refine((s) => !/\p{Cs}/u.test(s), 'contains a lone UTF-16 surrogate, which is not Unicode text');

const labelSchema = z.object({
  // int8 in PostgreSQL, exact in a JavaScript number
  transaction_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  account: text(128),
  label: z.enum(LABEL_KINDS),
  at: z.string().transform((t, ctx) => {
    const time = parseTimestamp(t);
    if (typeof time === 'string') {
      ctx.addIssue({ code: 'custom', message: time });
      return z.NEVER;
    }
    return time;
  }),
  source: text(128),
  terminal: text(128).optional(),
});

/**
 * The form `vigie simulate bank --kafka` sends (issue 22): `{ transaction_id, account, fraud: true,
 * kind, timestamp, labelled_at }`, read as a `fraud` label known at `labelled_at` from the source
 * `simulated-bank`.
 */
const simulatedSchema = z.object({
  transaction_id: labelSchema.shape.transaction_id,
  account: text(128),
  fraud: z.literal(true),
  kind: z.string(),
  labelled_at: labelSchema.shape.at,
});

/** The JSON a label travels as (what `vigie label` sends). */
export function labelJson(label: Omit<Label, 'ref' | 'at'> & { readonly at: number }): string {
  const { transaction_id, account, label: kind, at, source, terminal } = label;
  return JSON.stringify({ transaction_id, account, label: kind, at: new Date(at).toISOString(), source, ...(terminal === undefined ? {} : { terminal }) });
}

/**
 * Reads one record of the labels topic: the label, or its dead letter (stage `parse-label`, the
 * exact bytes, the reason naming the field).
 *
 * @param key the record's key (its account), null when it has none.
 * @param value the record's value.
 * @param ref where it came from.
 * @param time when it was received (epoch ms).
 */
export function parseLabelRecord(key: Uint8Array | null, value: Uint8Array | null, ref: SourceRef, time: number): Parsed<Label> {
  const bytes = value ?? new Uint8Array(0);
  const refuse = (reason: string): Parsed<Label> => {
    const dead: DeadLetter = { stage: PARSE_LABEL, reason, raw: lossy.decode(bytes), bytes, ref, time };
    return { ok: false, dead };
  };
  if (value === null) return refuse('no value: a label record holds the label as JSON');
  let json: unknown;
  try {
    json = JSON.parse(strict.decode(value));
  } catch (error) {
    return refuse(error instanceof SyntaxError ? `invalid JSON: ${error.message}` : 'the value is not UTF-8');
  }
  const simulated = (json as { fraud?: unknown } | null)?.fraud === true ? simulatedSchema.safeParse(json) : undefined;
  const parsed = simulated?.success
    ? { success: true as const, data: { transaction_id: simulated.data.transaction_id, account: simulated.data.account, label: 'fraud' as const, at: simulated.data.labelled_at, source: 'simulated-bank', terminal: undefined } }
    : labelSchema.safeParse(json);
  if (!parsed.success) return refuse(parsed.error.issues.map((i) => `${i.path.join('.') || 'label'}: ${i.message}`).join('; '));
  let keyText: string | undefined;
  try {
    keyText = key === null ? undefined : strict.decode(key);
  } catch {
    keyText = undefined;
  }
  if (keyText !== parsed.data.account) {
    return refuse(`the key (${key === null ? 'none' : JSON.stringify(keyText ?? Buffer.from(key).toString('base64'))}) is not the label's account (${JSON.stringify(parsed.data.account)}): labels are keyed by account, in the partition of its transactions`);
  }
  const { terminal, ...fields } = parsed.data;
  return { ok: true, value: { ...fields, ...(terminal === undefined ? {} : { terminal }), ref } };
}
