/** `vigie start` (and `npm start`): both flows on simulated sources; see ../start.ts. */
import type { Command } from 'commander';
import { type Config, SETTINGS, addSettingOptions, resolveConfig } from '../config.ts';
import { fail } from '../fail.ts';
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
    const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
    log('vigie: starting (Ctrl-C to stop)');
    const running = await start(config, log).catch(fail);
    let signals = 0;
    const onSignal = (signal: string): void => {
      if (++signals > 1) process.exit(130); // a second Ctrl-C: the user is not waiting
      log(`vigie: ${signal}, flushing sinks and stopping`);
      void running.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await running.done;
      log('vigie: stopped');
      process.exit(0);
    } catch (error) {
      fail(error);
    }
  });
}
