/**
 * The fraud rule language: a rule is JSON, checked by this zod schema before it runs, so that a
 * rule from a file, the control topic or a command is refused with the path of what is wrong
 * ("value.window: expected a duration such as 10min, 1h, 30d") and never half-applied.
 *
 * A rule: which transactions it judges (`when`), the key its state is grouped by (`key`: the
 * account, the terminal, any field, or several), a value (a field, a ratio, an aggregate of a
 * field over an event-time window of the key's transactions, a robust z-score, the speed from the
 * key's previous place, a value new to the key), a comparison and a limit (one number, or one
 * per value of a field such as the currency). Each rule has an id and a version; the engine keeps
 * one state per rule id and version and key (see ./engine.ts). docs/rules.md has the reference.
 *
 * ```json
 * { "id": "frequency", "version": 1, "key": "account",
 *   "value": { "aggregate": "count", "window": "10min" },
 *   "compare": ">", "limit": 5, "reason": "frequency>{limit}/{window}" }
 * ```
 */
import { z } from 'zod';

/** `500ms`, `10s`, `10min`, `1h`, `30d` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|min|h|d)$/.exec(text);
  if (match === null) return undefined;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'min' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

/** A field of a transaction: `amount`, `currency`, `account`, `terminal`, `location.country`, ... */
const Field = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'expected a field such as amount, account or location.country');

const Duration = z.string().refine((s) => parseDuration(s) !== undefined, 'expected a duration such as 500ms, 10s, 10min, 1h or 30d');

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A value to compare a field with: a constant, or `{ "current": field }`, that field of the transaction being judged. */
const Operand = z.union([Scalar, z.strictObject({ current: Field })]);

/** A filter on a field: `{ "field": "currency", "op": "==", "value": "XAF" }`. */
export const Filter = z.discriminatedUnion('op', [
  z.strictObject({ field: Field, op: z.enum(['==', '!=', '>', '>=', '<', '<=']), value: Operand }),
  z.strictObject({ field: Field, op: z.enum(['in', 'notIn']), value: z.array(Scalar).min(1) }),
  z.strictObject({ field: Field, op: z.enum(['exists', 'missing']) }),
]);
export type Filter = z.infer<typeof Filter>;

/** The key's transactions an aggregate reads: within a duration of event time, or the last N. */
const Window = z.union([Duration, z.strictObject({ last: z.number().int().min(1).max(10_000) })]);

/** An aggregate of a field over the key's transactions in a window (this one included unless `current` is `exclude`). */
const Aggregate = z.strictObject({
  aggregate: z.enum(['count', 'sum', 'mean', 'max', 'min', 'distinct']),
  /** The field aggregated; none for `count`. */
  field: Field.optional(),
  window: Window,
  /** Only the key's transactions that pass these count (e.g. those in another city than this one). */
  where: z.array(Filter).optional(),
  current: z.enum(['include', 'exclude']).optional(),
  /** With a time window: the window ends this long before the transaction, `[t − delay − window, t − delay]` (this one left out). */
  delay: Duration.optional(),
});

/** The robust z-score (median, MAD) of a field against the key's last `last` values (this one excluded). */
const ZScore = z.strictObject({
  zscore: z.strictObject({
    field: Field,
    last: z.number().int().min(1).max(10_000),
    minHistory: z.number().int().min(1),
    madFloor: z.number().min(0).optional(),
  }),
});

/** The speed in km/h from the key's previous transaction with coordinates (`location.lat`, `location.lon`). */
const Speed = z.strictObject({ speedKmh: z.strictObject({}) });

/** 1 when the field's value is new to the key once `minHistory` of its transactions had one, else 0. */
const IsNew = z.strictObject({ isNew: z.strictObject({ field: Field, minHistory: z.number().int().min(0) }) });

/**
 * The key's transactions labelled fraud, as the labels came in (label events of the stream, see
 * ./labels.ts): over the key's transactions of `[t − delay − window, t − delay]`, those whose fraud
 * label is known by t: how many, their share of those transactions, or the days since the first
 * or the last of them. A terminal's recent fraud rate behind a label delay is
 * `{ "fraudLabels": { "aggregate": "rate", "window": "7d", "delay": "7d" } }` keyed by terminal.
 */
const FraudLabels = z.strictObject({
  fraudLabels: z.strictObject({
    aggregate: z.enum(['count', 'rate', 'daysSinceFirst', 'daysSinceLast']),
    window: Duration,
    delay: Duration.optional(),
  }),
});

export type Value =
  | { readonly field: string }
  | { readonly ratio: readonly [Value, Value] }
  | z.infer<typeof Aggregate>
  | z.infer<typeof ZScore>
  | z.infer<typeof Speed>
  | z.infer<typeof IsNew>
  | z.infer<typeof FraudLabels>;

export const Value: z.ZodType<Value> = z.lazy(() =>
  z.union([z.strictObject({ field: Field }), z.strictObject({ ratio: z.tuple([Value, Value]) }), Aggregate, ZScore, Speed, IsNew, FraudLabels]),
);

/** One limit, or one per value of a field (`{ "by": "currency", "limits": { "XAF": 10000 } }`: other currencies are not judged). */
const Limit = z.union([z.number().finite(), z.strictObject({ by: Field, limits: z.record(z.string(), z.number().finite()) })]);

export const Rule = z.strictObject({
  /** Unique in a rule set; the control topic's key. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'expected letters, digits, _ . - (up to 100), starting with a letter or digit'),
  version: z.number().int().min(1),
  description: z.string().optional(),
  /** A disabled rule judges nothing and keeps no state. */
  enabled: z.boolean().optional(),
  /** The event time from which this version judges (ISO 8601); by default, when it was published. */
  from: z.iso.datetime({ offset: true }).optional(),
  when: z.array(Filter).optional(),
  /** The field(s) its state is grouped by; `account` by default. */
  key: z.union([Field, z.array(Field).min(1)]).optional(),
  value: Value,
  /** Absent (with `limit`) for a rule that only computes a feature: it never fires. */
  compare: z.enum(['>', '>=', '<', '<=']).optional(),
  limit: Limit.optional(),
  /** The reason a person reads; `{limit}`, `{value}`, `{window}` and `{field.path}` are filled in. The id by default. */
  reason: z.string().max(200).optional(),
  /** How strongly it fires: value / limit (`ratio`, the default), the value, or a constant. */
  score: z.union([z.enum(['ratio', 'value']), z.number().positive()]).optional(),
  /** A name under which the value can be read as a model's feature (see ./features.ts). */
  feature: Field.optional(),
  /** An account idle this long (event time) is forgotten by this rule; 30d by default, at least its window. */
  ttl: Duration.optional(),
}).refine((rule) => (rule.compare !== undefined && rule.limit !== undefined) || (rule.compare === undefined && rule.limit === undefined && rule.feature !== undefined), {
  message: 'expected a compare and a limit, or neither and a feature (a rule that only computes a feature)',
});
export type Rule = z.infer<typeof Rule>;

export const RuleSetFile = z.strictObject({ rules: z.array(Rule) });
export type RuleSetFile = z.infer<typeof RuleSetFile>;

/** A rule checked, or the reason it is refused, with the path of what is wrong in it. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** `json` (text or parsed) as a rule, or the reason it is not one. */
export function checkRule(json: unknown): Checked<Rule> {
  return checkJson(Rule, json);
}

/** `json` (text or parsed) as a rule set file (`{ "rules": [...] }`), or the reason it is not one. */
export function checkRuleSet(json: unknown): Checked<RuleSetFile> {
  const checked = checkJson(RuleSetFile, json);
  if (!checked.ok) return checked;
  const seen = new Set<string>();
  for (const rule of checked.value.rules) {
    if (seen.has(rule.id)) return { ok: false, reason: `rules: two rules with the id ${rule.id}` };
    seen.add(rule.id);
  }
  return checked;
}

/** `json` (text or parsed) checked against `schema`: the value, or the first issue with its path (`whole` when at the top). */
export function checkJson<T>(schema: z.ZodType<T>, json: unknown, whole = '(the rule)'): Checked<T> {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const at = issue.path.length > 0 ? issue.path.join('.') : whole;
  return { ok: false, reason: `${at}: ${issue.message}` };
}
