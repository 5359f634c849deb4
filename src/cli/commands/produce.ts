import type { Command } from 'commander';

/** Registers `vigie produce`: not written yet. */
export function registerProduce(_program: Command): void {}
