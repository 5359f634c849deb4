/**
 * The `vigie` command. `vigie start` (also `npm start`) runs both flows on simulated sources.
 */
import { Command, Option } from 'commander';
import { VigieError } from '../errors.ts';
import { type Config, SETTINGS, resolveConfig } from './config.ts';
import { start } from './start.ts';

const program = new Command('vigie')
  .description('Real-time fraud and anomaly detection on streams, built on RxJS')
  .showHelpAfterError();

const startCommand = program
  .command('start', { isDefault: true })
  .description('run the sensor-anomaly and suspicious-transaction flows on simulated sources, until Ctrl-C or SIGTERM');
for (const setting of Object.values(SETTINGS)) {
  const fallback = 'fallback' in setting ? ` (default: ${setting.fallback})` : '';
  startCommand.addOption(new Option(setting.flag, `${setting.description}${fallback}; env ${setting.env}`));
}
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

function fail(error: unknown): never {
  const message = error instanceof VigieError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`vigie: ${message}`);
  process.exit(error instanceof VigieError && error.code === 'CONFIG_INVALID' ? 2 : 1);
}

await program.parseAsync(process.argv);
