/**
 * `vigie/operators`: RxJS operators that do no I/O, one a file. Parse records into readings or
 * transactions (bad input becomes a dead letter), warm up per key, detect, judge with the fraud
 * rules, batch and fan out.
 */
export * from './anomalyLikelihood.ts';
export * from './art.ts';
export * from './batch.ts';
export * from './broadcast.ts';
export * from './contextual.ts';
export * from './dbscan.ts';
export * from './detectOnline.ts';
export * from './detectWith.ts';
export * from './ensemble.ts';
export * from './fanOut.ts';
export * from './groupCommit.ts';
export * from './halfSpaceTrees.ts';
export * from './isolationForest.ts';
export { operate, type OperatorHandlers } from './operate.ts';
export * from './labelsFirst.ts';
export * from './parseArduinoLine.ts';
export * from './parseKafkaReading.ts';
export * from './parseTransaction.ts';
export * from './perKey.ts';
export * from './robustZScore.ts';
export * from './rules/index.ts';
export * from './scoreByModel.ts';
export * from './sensorValue.ts';
export * from './seriesDetect.ts';
export * from './seriesWarmUp.ts';
export * from './warmUp.ts';
export * from './withDelayedLabels.ts';
