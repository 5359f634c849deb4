import type { Command } from 'commander';

/** Registers `vigie detect`: not written yet. */
export function registerDetect(_program: Command): void {}
