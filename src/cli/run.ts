/**
 * How every long-running command lives: it starts, prints timestamped lines, and on the first
 * Ctrl-C or SIGTERM stops gracefully (sinks flushed, offsets committed); a second one exits now.
 */
import { fail } from './fail.ts';
import type { Running } from './running.ts';

export const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

export async function runUntilSignal(name: string, starting: (log: (line: string) => void) => Promise<Running>): Promise<never> {
  log(`vigie ${name}: starting (Ctrl-C to stop)`);
  const running = await starting(log).catch(fail);
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
}
