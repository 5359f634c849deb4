/** `vigie start` (and `npm start`): both flows on simulated sources; see ../start.ts. */
import type { Command } from 'commander';
import { type Config, SETTINGS, addSettingOptions, resolveConfig } from '../config.ts';
import { fail } from '../fail.ts';
import { runUntilSignal } from '../run.ts';
import { start } from '../start.ts';

export function registerStart(program: Command): void {
  const startCommand = program
    .command('start', { isDefault: true })
    .description('run the sensor-anomaly and suspicious-transaction flows on simulated sources, until Ctrl-C or SIGTERM');
  addSettingOptions(startCommand, SETTINGS);
  startCommand.action(async (flags: Record<string, string | undefined>) => {
    let config: Config;
    try {
      config = resolveConfig(flags, process.env);
    } catch (error) {
      fail(error);
    }
    await runUntilSignal('start', (log) => start(config, log));
  });
}
