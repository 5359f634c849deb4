import type { Command } from 'commander';

/** Registers `vigie simulate`: not written yet. */
export function registerSimulate(_program: Command): void {}
