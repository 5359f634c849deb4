/**
 * `vigie`: everything a flow author imports, from one place. The narrower entry points
 * (`vigie/operators`, `vigie/adapters`, `vigie/streams`, `vigie/detectors`, `vigie/state`, `vigie/rules`, `vigie/models`) hold
 * the same names. Importing any of them starts nothing and hooks no signal: servers, sockets
 * and handlers exist only once a function is called.
 */
export * from './adapters/index.ts';
export * from './detectors/index.ts';
export * from './errors.ts';
export * from './models/index.ts';
export * from './operators/index.ts';
export * from './random.ts';
export * from './retry.ts';
export * from './rules/index.ts';
export * from './state/index.ts';
export * from './streams/index.ts';
export * from './types.ts';
