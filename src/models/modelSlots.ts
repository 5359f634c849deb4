/**
 * The models a running flow scores with: the current one, which decides, and a shadow beside it,
 * scored on the same features and stored, which decides nothing. Both can change while the flow
 * runs (the control topic `transaction.models`, see src/adapters/kafka/modelChanges.ts): a shadow
 * sent, then promoted to current, without a restart.
 *
 * A model's features are rules of the rule language: before a model is taken, its feature rules
 * are added to the flow's rule book (`adoptFeatures`), as a live rule change adds a rule, so the
 * engine computes them with the rules' own state and checkpoints. A feature rule whose id is in
 * force with another definition is refused, and the model with it.
 */
import { VigieError } from '../errors.ts';
import type { RuleBook } from '../rules/ruleBook.ts';
import type { Rule } from '../rules/schema.ts';
import type { FraudModel } from './fraudModel.ts';

export type ModelRole = 'current' | 'shadow';

/** What a flow needs of a model to score: {@link FraudModel} without its file. */
export type ScoringModel = Pick<FraudModel, 'version' | 'threshold' | 'features' | 'score' | 'contributions'>;

export class ModelSlots<M extends ScoringModel = FraudModel> {
  private slots: { current?: M; shadow?: M } = {};

  constructor(current?: M) {
    if (current !== undefined) this.slots = { current };
  }

  /** The model that decides; none: the rules alone decide. */
  get current(): M | undefined {
    return this.slots.current;
  }

  /** The model scored beside it, deciding nothing. */
  get shadow(): M | undefined {
    return this.slots.shadow;
  }

  /** Puts `model` in `role` (null empties it): the next transaction is scored by it. */
  set(role: ModelRole, model: M | null): void {
    const next = { ...this.slots };
    if (model === null) delete next[role];
    else next[role] = model;
    this.slots = next;
  }

  /** The shadow becomes the current model, and the shadow slot is empty; false when there was no shadow. */
  promote(): boolean {
    const { shadow } = this.slots;
    if (shadow === undefined) return false;
    this.slots = { current: shadow };
    return true;
  }
}

/**
 * A model's feature rules as they run in a flow: each id under `feature.` (`amount` becomes
 * `feature.amount`), so that a feature rule never takes the place of a judging rule of the same
 * id (the default rules' `amount`, say); two models with the same feature rule share it.
 */
export function featureRulesOf(model: Pick<FraudModel, 'file'>): Rule[] {
  return model.file.featureRules.map((rule) => ({ ...rule, id: `${FEATURE_PREFIX}${rule.id}`.slice(0, 100) }));
}

/** What a model's feature rule ids start with in a flow's book. */
export const FEATURE_PREFIX = 'feature.';

/** Whether a rule's value reads label events (`fraudLabels`, alone or inside a ratio). */
export function readsLabels(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if ('fraudLabels' in value) return true;
  return Object.values(value).some(readsLabels);
}

/**
 * Adds the model's feature rules to `book` (under their ids prefixed, see {@link featureRulesOf}) (from the start of time, source `model <version>`),
 * so the flow computes its features; a rule already in force with the same definition is kept.
 * Features that read labels (`fraudLabels`) need `labelsFed`: the flow's labels forwarded into
 * its transactions topic (src/adapters/kafka/labelsForward.ts).
 *
 * @throws VigieError CONFIG_INVALID naming the rule, when the book refuses one (an id in force
 *   with another definition: then none is added; a key the flow keeps no state by: the others
 *   are added, computing values no model reads): nothing of the model is used.
 */
export function adoptFeatures(book: RuleBook, model: Pick<FraudModel, 'version' | 'file'>, { labelsFed }: { readonly labelsFed: boolean }): void {
  const refuse = (refusals: readonly string[]): never => {
    throw new VigieError('CONFIG_INVALID', `model ${model.version}: its feature rules cannot run beside the rules in force: ${refusals.join('; ')}`);
  };
  // a flow fed no labels (`--labels-topic ''`): served, such a feature would read no fraud where
  // training saw them, and the model would score another thing than it learned; refused rather
  // than scored wrong
  const reading = labelsFed ? [] : featureRulesOf(model).filter((rule) => readsLabels(rule.value));
  if (reading.length > 0) {
    refuse([
      `${reading.map((rule) => rule.feature ?? rule.id).join(', ')} read labels (fraudLabels), and this flow is fed none (--labels-topic ''): served, they would count no fraud where training counted them. Give the labels topic (--labels-topic, transaction.labels by default), or train the model with features that read no labels (the default rules/features.json)`,
    ]);
  }
  // clashes first, so that a model refused for one adds none of its rules
  const inForce = new Map(book.list().map((v) => [v.id, v.rule] as const));
  const added = featureRulesOf(model).filter((rule) => {
    const newest = inForce.get(rule.id);
    return newest == null || JSON.stringify(newest.rule) !== JSON.stringify(rule);
  });
  const clashes = added.filter((rule) => inForce.get(rule.id) != null);
  if (clashes.length > 0) refuse(clashes.map((rule) => `${rule.id}: a rule ${rule.id} v${inForce.get(rule.id)!.version} is in force with another definition (rename the model's feature rule, or retrain it on the rules in force)`));
  const refusals: string[] = [];
  for (const rule of added) {
    const outcome = book.apply({ id: rule.id, rule, at: Number.NEGATIVE_INFINITY, source: `model ${model.version}` });
    if (!outcome.accepted) refusals.push(`${rule.id}: ${outcome.reason}`);
  }
  if (refusals.length > 0) refuse(refusals);
}
