/**
 * One record of the models' control topic `transaction.models` applied to a flow's
 * {@link ModelSlots}: the key is the role (`current` or `shadow`), the value
 * `{ "role": ..., "model": <the model file's JSON> }`, a tombstone (null value) empties the role.
 * A model's feature rules join the flow's rule book before it scores (`adoptFeatures`).
 *
 * Nothing a record holds may stop the reader: a key that is not a role, a value that is not
 * UTF-8, not JSON, not a model vigie can score, or a model whose feature rules the book refuses,
 * is refused with its reason and its dead letter (stage `parse-model`, the value's exact bytes),
 * and the models in force stay as they were.
 */
import { withApproxContributions } from '../../models/approxContributions.ts';
import { type FraudModel, readFraudModel } from '../../models/fraudModel.ts';
import { type ModelRole, type ModelSlots, adoptFeatures } from '../../models/modelSlots.ts';
import type { RuleBook } from '../../rules/ruleBook.ts';
import type { DeadLetter } from '../../types.ts';
import type { ControlRecord } from './controlTopic.ts';

/** The stage name a refused model record's dead letter carries. */
export const PARSE_MODEL = 'parse-model';

export const MODEL_ROLES: readonly ModelRole[] = ['current', 'shadow'];

/** What became of a record: the role's new model (null: emptied), or the reason it was refused. */
export type ModelChangeOutcome =
  | { readonly accepted: true; readonly role: ModelRole; readonly model: FraudModel | null; readonly source: string }
  | { readonly accepted: false; readonly key: string; readonly reason: string; readonly source: string; readonly dead: DeadLetter };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

/** The value of a record that puts `model` (a model file's JSON) in `role`. */
export function modelRecordValue(role: ModelRole, model: unknown): string {
  return JSON.stringify({ role, model });
}

/**
 * Applies one record of `topic`: the slot changed, or nothing, the reason and the dead letter.
 *
 * @param fed whether the flow is fed labels: a model whose features read them is refused without.
 * @param time when it was received (epoch ms), the dead letter's.
 */
export function applyModelRecord(slots: ModelSlots, book: RuleBook, topic: string, record: ControlRecord, fed: { readonly labelsFed: boolean } = { labelsFed: false }, time = Date.now()): ModelChangeOutcome {
  const source = `${topic}/${record.partition}@${record.offset}`;
  let key: string;
  try {
    key = record.key === null ? '' : utf8.decode(record.key);
  } catch {
    key = record.key!.toString('base64');
  }
  const refuse = (reason: string): ModelChangeOutcome => {
    const bytes = record.value ?? new Uint8Array(0);
    const ref = { source: topic, partition: record.partition, offset: Number(record.offset) };
    // the key is not in a dead letter's columns: the reason names it
    const dead: DeadLetter = { stage: PARSE_MODEL, reason: `key ${JSON.stringify(key)}: ${reason}`, raw: lossy.decode(bytes), bytes, ref, time };
    return { accepted: false, key, reason, source, dead };
  };
  if (!(MODEL_ROLES as readonly string[]).includes(key)) return refuse(`the key ${JSON.stringify(key)} is not a role: expected ${MODEL_ROLES.join(' or ')}`);
  const role = key as ModelRole;
  if (record.value === null) {
    slots.set(role, null);
    return { accepted: true, role, model: null, source };
  }
  let json: { role?: unknown; model?: unknown };
  try {
    json = JSON.parse(utf8.decode(record.value)) as typeof json;
  } catch (error) {
    return refuse(error instanceof SyntaxError ? `invalid JSON: ${error.message}` : 'the value is not UTF-8');
  }
  // a model is given whole, never as a path to read
  if (json === null || typeof json !== 'object' || json.role !== role || json.model === null || typeof json.model !== 'object') return refuse(`expected { "role": "${role}", "model": <a model file's JSON> } keyed by its role`);
  let model: FraudModel;
  try {
    model = withApproxContributions(readFraudModel(json.model));
    adoptFeatures(book, model, fed);
  } catch (error) {
    return refuse((error as Error).message);
  }
  slots.set(role, model);
  return { accepted: true, role, model, source };
}

/** One line for the log: `models: shadow 2026-12-07T19:00:00Z-3f2a threshold 0.37, 31 features (transaction.models/0@3)`. */
export function describeModelOutcome(outcome: ModelChangeOutcome): string {
  if (!outcome.accepted) return `models: refused ${outcome.key || '(no key)'} (${outcome.source}): ${outcome.reason}`;
  const { role, model, source } = outcome;
  if (model === null) return `models: ${role} emptied (${source})`;
  return `models: ${role} ${model.version} threshold ${model.threshold}, ${model.features.length} features (${source})`;
}
