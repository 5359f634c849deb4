/**
 * `vigie/detectors`: the detectors themselves, without RxJS: feed values, read scores. Each
 * takes `XxxOptions` checked by `checkXxxOptions`, and those that learn online save and restore
 * their state as a snapshot.
 */
export * from './anomalyLikelihood.ts';
export * from './art.ts';
export * from './contextual.ts';
export * from './dbscan.ts';
export * from './ensembleScore.ts';
export * from './halfSpaceTrees.ts';
export * from './isolationForest.ts';
export * from './likelihoodStep.ts';
export * from './robustZScore.ts';
