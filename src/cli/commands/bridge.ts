import type { Command } from 'commander';

/** Registers `vigie bridge`: not written yet. */
export function registerBridge(_program: Command): void {}
