/**
 * `vigie/streams`: vigie's own flows, functions from source Observables to result Observables
 * that know no CLI and no process; and the acknowledgement seam that lets a source commit only
 * what its sinks wrote.
 */
export * from './acknowledged.ts';
export * from './acknowledgedSensors.ts';
export * from './acknowledgedTransactions.ts';
export * from './acknowledgements.ts';
export * from './bridge.ts';
export * from './sensorAnomalies.ts';
export * from './sensorPipeline.ts';
export * from './sensorSeries.ts';
export * from './suspiciousTransactions.ts';
export * from './replayFeatures.ts';
