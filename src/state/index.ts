/**
 * `vigie/state`: keyed state that survives a restart, written with the source offsets it
 * covers (checkpoints in PostgreSQL), and per-partition event-time watermarks.
 */
export * from './checkpoints.ts';
export * from './stateStore.ts';
export * from './watermarks.ts';
