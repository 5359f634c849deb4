import type { Command } from 'commander';

/** Registers `vigie kafka`: not written yet. */
export function registerKafka(_program: Command): void {}
