// Learned fraud models (`vigie/models`): the model file `vigie train fraud` writes, read and
// checked, and scored in process (XGBoost's own JSON model evaluated on flat typed arrays, with
// per-feature TreeSHAP contributions). Its features are rules of `vigie/rules`, run by
// `ruleFeatures` of `vigie/operators` in training and in serving alike.
export { type Contribution, type FeatureValues, type FraudModel, readFraudModel } from './fraudModel.ts';
export { FraudModelFile, MODEL_FORMAT, MODEL_FORMAT_VERSION, ModelMetrics, checkModelFile } from './modelFile.ts';
export { type Contributions, TreeEnsemble, XGBoostModel } from './treeEnsemble.ts';
